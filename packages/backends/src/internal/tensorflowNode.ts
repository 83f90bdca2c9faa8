import { load, resolve } from './load';
import { messageOf, unavailable, type BackendProvider } from './provider';
import type { BackendName, BackendStatus } from '../backendNames';

/** How the optional tfjs-node packages are found; injectable so tests can exercise every outcome. */
export interface ModuleLoader {
  resolve(id: string): string;
  load(id: string): unknown;
}

const nodeLoader: ModuleLoader = {
  resolve,
  load,
};

const INSTALL_NOTE =
  'its install script downloads libtensorflow from storage.googleapis.com, which must be reachable; ' +
  'tfjs-node-gpu also needs CUDA 11.2 and cuDNN 8.1';

/**
 * tfjs-node (`tensorflow`) and tfjs-node-gpu (`tensorflow-gpu`): optional peers, detected at run time. Both
 * register the tfjs backend `tensorflow`. Probing loads the package, because a broken install (no
 * libtensorflow, wrong CUDA) only shows when the native binding loads.
 */
export function tensorflowNodeProvider(
  name: Extract<BackendName, 'tensorflow' | 'tensorflow-gpu'>,
  loader: ModuleLoader = nodeLoader,
): BackendProvider {
  const pkg = name === 'tensorflow' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu';
  let status: BackendStatus | undefined;
  return {
    name,
    tfName: 'tensorflow',
    async probe() {
      if (status != null) return status;
      try {
        loader.resolve(pkg);
      } catch {
        status = unavailable(name, 'tensorflow', `${pkg} is not installed (optional peer dependency; ${INSTALL_NOTE})`);
        return status;
      }
      try {
        loader.load(pkg);
      } catch (error) {
        status = unavailable(name, 'tensorflow', `${pkg} is installed but failed to load: ${messageOf(error)}`);
        return status;
      }
      status = {
        name,
        tfName: 'tensorflow',
        available: true,
        device: name === 'tensorflow' ? 'libtensorflow on the CPU' : 'libtensorflow with CUDA',
      };
      return status;
    },
    async register() {
      loader.load(pkg);
    },
  };
}
