// The same step as the io-ts variant's: only the schemas differ.
export { default } from '../../ten-versions/migrations/v3_1_0_to_v3_2_0.js';
