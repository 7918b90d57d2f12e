/** The log-axis ticks live with the shared SVG chart renderer (src-shared/charts), which uses them too. */
export { logRange, logTicks } from '../../../src-shared/charts/log-axis'
