import { app } from '@gradkit/eslint-config';

export default [{ ignores: ['screenshots/**'] }, ...app];
