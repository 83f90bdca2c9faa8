export { default } from '@gradkit/eslint-config';
