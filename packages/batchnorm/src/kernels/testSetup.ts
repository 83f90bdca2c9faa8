// Jest setup (see jest.config.cjs): register the kernels as the package's index does.
import { registerBatchNormKernels } from './register';

registerBatchNormKernels();
