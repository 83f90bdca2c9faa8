// Where @gradkit/core's fast paths are chosen per backend: the only place backend names appear (measured choices;
// the numbers are in each op's doc comment). A backend not named here runs each op's reference composite.
import { registerExplicitTransposes } from './matMulTransposed';
import { registerSumRowsByProduct } from './sumRows';

for (const backend of ['cpu', 'wasm']) registerSumRowsByProduct(backend);
registerExplicitTransposes('wasm');
