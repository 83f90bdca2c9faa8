/**
 * mnist-bench's browser-safe part (`mnist-bench/browser`): the models, batching, training loop and data format the
 * bench's experiments are built from, and the profiles of the experiments that load in a page, without any Node
 * module, for apps/playground, which trains the same models in the browser.
 */
export { accuracy, BatchStream, normals, permutation, toTensors } from './batches';
export { datasetFromSplits, MNIST_FILES, slice, splitFromIdx, type Dataset, type Split } from './dataset';
export { batchnormExperiment, type BatchNormConfig } from './experiments/batchnorm';
export { mlpExperiment, type MlpConfig } from './experiments/mlp';
export { IdxFormatError, isGzip, parseUncompressedIdx, type IdxArray } from './idxFormat';
export { crossEntropy, makeOptimizer, Mlp, setLearningRate, type Activation } from './mlp';
export { StochasticNet, type NetDefinition, type Neuron } from './stochasticNets';
export { disposePost1Net, post1Forward, post1Net, post1Variables, type Post1Layer, type Post1Mode } from './post1Nets';
export { post8Loss, post8Network, type Post8NetworkOptions } from './post8Network';
export { runTraining, type TrainLoop } from './training';
