/**
 * A measurement as CSV: one row per DAC sample with its time, every electrode's input, the
 * readout and whether the sample is on a plateau; then the plateau means. Plain numbers (no
 * locale formatting), so a spreadsheet or numpy.loadtxt reads it back exactly.
 */
import type { MeasurementDetail } from '../../src-shared/ipc'

export function measurementCsv(measurement: MeasurementDetail): string {
  const electrodes = measurement.inputsVolts.length
  const header = [
    'time_s',
    ...Array.from({ length: electrodes }, (_, e) => `electrode_${e}_V`),
    'readout_nA',
    'plateau'
  ]
  const lines = [
    `# DNPU Lab measurement ${measurement.id} (${measurement.kind}): ${measurement.label}; ${measurement.createdAt}; DAC ${measurement.dacRateHz} Hz`,
    header.join(',')
  ]
  for (let s = 0; s < measurement.samplesPerChannel; s++) {
    const inputs = measurement.inputsVolts.map((series) => series[s])
    lines.push(
      [s / measurement.dacRateHz, ...inputs, measurement.readoutNanoamps[s], measurement.plateauMask[s] ? 1 : 0].join(
        ','
      )
    )
  }
  lines.push('', '# plateau means', 'point,mean_nA')
  measurement.plateauMeansNanoamps.forEach((mean, point) => lines.push(`${point},${mean}`))
  return lines.join('\n') + '\n'
}
