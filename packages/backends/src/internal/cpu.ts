import { load } from './load';
import type { BackendProvider } from './provider';

/** The plain-JavaScript backend: always available. */
export const cpuProvider: BackendProvider = {
  name: 'cpu',
  tfName: 'cpu',
  async probe() {
    return { name: 'cpu', tfName: 'cpu', available: true, device: 'JavaScript on the CPU' };
  },
  async register() {
    load('@tensorflow/tfjs-backend-cpu');
  },
};
