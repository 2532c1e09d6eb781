// The same step as the io-ts variant's: only the schemas differ.
export { default } from '../../ten-versions/migrations/v2_1_0_to_v2_2_0.js';
