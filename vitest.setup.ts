import fc from 'fast-check';

// Property tests run on a fixed seed so CI is reproducible; FC_SEED=random
// explores new inputs (fast-check prints the seed of any failure to replay it).
const seed = process.env.FC_SEED;
if (seed !== 'random') fc.configureGlobal({ seed: seed === undefined ? 20_261_121 : Number(seed) });
