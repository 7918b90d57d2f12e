// Test helper: the bundled demo surrogate (the JSON form of resources/demo-surrogate.pt) as a parsed object.
// Tests only: core itself never reads files.
import demoSurrogateJson from './demo-surrogate.json' with { type: 'json' };

export const DEMO_SURROGATE_JSON: unknown = demoSurrogateJson;
