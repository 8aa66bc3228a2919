/** Defaults of the embedded workload, apart from the schema so that `--help` texts need no zod. */
export const DEFAULT_PRESET = 'azure-conversation';
export const DEFAULT_REQUESTS = 5000;
export const DEFAULT_LOAD = 0.8;
