// Test helper: the bundled demo surrogate (resources/demo-surrogate.json) as a parsed object.
// Tests only: core itself never reads files.
import demoSurrogateJson from '../../../resources/demo-surrogate.json' with { type: 'json' };

export const DEMO_SURROGATE_JSON: unknown = demoSurrogateJson;
