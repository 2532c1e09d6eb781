// The same step as the io-ts variant's: only the schemas differ.
export { default } from '../../ten-versions/migrations/v1_2_0_to_v1_3_0.js';
