import base from '@gradkit/eslint-config';

export default [{ ignores: ['.bundles/**'] }, ...base];
