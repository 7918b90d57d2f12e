/**
 * Test-only: a toy "random search" core trainer, the fourth algorithm that proves a descriptor is
 * all a new algorithm needs (see ../../random-search.test.ts). Each step draws one set of control
 * voltages uniformly inside their ranges and scores it on the gate; the best so far is kept.
 */
import { Dnpu, parseGateTask, pearson, Rng, type Processor } from '../../../../core'

export interface RandomSearchSetup {
  processor: Processor
  dataElectrodes: number[]
  inputRange: [number, number]
  task: string
  samples: number
  seed: number
}

export interface RandomSample {
  /** 1-based. */
  sample: number
  correlation: number
  bestCorrelation: number
  /** Set when this sample improved on the best. */
  improved: { controlVoltages: number[]; outputsNanoamps: number[] } | null
}

export class RandomSearch {
  private readonly rng: Rng
  private readonly dnpu: Dnpu
  private readonly task: ReturnType<typeof parseGateTask>
  sample = 0
  bestCorrelation = Number.NEGATIVE_INFINITY

  constructor(private readonly setup: RandomSearchSetup) {
    this.rng = new Rng(setup.seed)
    this.task = parseGateTask(setup.task)
    this.dnpu = new Dnpu({
      activationElectrodeCount: setup.processor.activationElectrodeCount,
      voltageRangesVolts: setup.processor.voltageRangesVolts,
      dataElectrodes: setup.dataElectrodes,
      inputRange: setup.inputRange
    })
  }

  get done(): boolean {
    return this.sample >= this.setup.samples
  }

  async step(): Promise<RandomSample> {
    const controls = this.dnpu.controlRangesVolts.map(([lo, hi]) => this.rng.uniform(lo, hi))
    const [outputs] = await this.dnpu.evaluatePool(this.setup.processor, this.task.inputs, [controls])
    const correlation = pearson(outputs!, this.task.targets)[0] ?? Number.NaN
    this.sample += 1
    const improved = correlation > this.bestCorrelation
    if (improved) this.bestCorrelation = correlation
    return {
      sample: this.sample,
      correlation,
      bestCorrelation: this.bestCorrelation,
      improved: improved ? { controlVoltages: controls, outputsNanoamps: outputs! } : null
    }
  }
}
