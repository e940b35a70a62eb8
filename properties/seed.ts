/** The fixed seed of the properties in `npm test`; `npm run properties -- --seed S` picks another. */
export const SEED = Number(process.env.PROPERTIES_SEED ?? 20261125);
