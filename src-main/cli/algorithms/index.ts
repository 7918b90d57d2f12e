/**
 * The algorithms' CLI commands, one line per algorithm that has one (its file holds the rest).
 * program.ts adds them in this order: `train ga` and `train gd` under `dnpu train`, `capacity`
 * under `dnpu`, `surrogate train` under `dnpu surrogate`. Tested against the algorithms' descriptors in algorithm-commands.test.ts.
 */
import type { AlgorithmCommand } from './algorithm-command'
import { capacityCommand } from './capacity-command'
import { gaCommand } from './ga-command'
import { gdCommand } from './gd-command'
import { surrogateCommand } from './surrogate-command'

export type { AlgorithmCommand, ParentCommands } from './algorithm-command'

export const ALGORITHM_COMMANDS: readonly AlgorithmCommand[] = [gaCommand, gdCommand, capacityCommand, surrogateCommand]
