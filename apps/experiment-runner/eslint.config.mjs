export { app as default } from '@gradkit/eslint-config';
