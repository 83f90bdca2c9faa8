/**
 * @gradkit/initial-states — trained and noisy initial states for recurrent models (R2RT post 7).
 */
export {
  createInitialState,
  type InitialState,
  type InitialStateMethod,
  type InitialStateOptions,
} from './initialState';
export { InitialStateLayer, type InitialStateLayerArgs } from './InitialStateLayer';
export { flattenSpec, unflatten, type Nested, type StateSpec } from './structure';
