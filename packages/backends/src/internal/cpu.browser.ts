import { backendPackage, type PackageImporter } from './backendPackage.browser';
import type { BackendProvider } from './provider';

/** The plain-JavaScript backend in the browser: always available; its package is imported when selected. */
export function browserCpuProvider(
  importer: PackageImporter<unknown> = () => import('@tensorflow/tfjs-backend-cpu'),
): BackendProvider {
  const pkg = backendPackage('cpu', importer);
  return {
    name: 'cpu',
    tfName: 'cpu',
    async probe() {
      return { name: 'cpu', tfName: 'cpu', available: true, device: 'JavaScript on the CPU' };
    },
    async register() {
      await pkg.register();
    },
  };
}
