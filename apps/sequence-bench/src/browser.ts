/**
 * sequence-bench's browser-safe part (`sequence-bench/browser`): post 3's character model and the text pipeline it
 * trains on, without any Node module, for apps/playground, which trains the same model in a page.
 */
export {
  charVocabulary,
  encodeChars,
  normalizeText,
  ptbBatches,
  ptbWindowCount,
  type CharVocabulary,
} from './characters';
export { CharModel, sampleText, validationLoss, type CellKind, type CharModelConfig } from './charModel';
