import { library } from '@gradkit/tsconfig/tsup.mjs';
import { defineConfig } from 'tsup';

export default defineConfig({ ...library });
