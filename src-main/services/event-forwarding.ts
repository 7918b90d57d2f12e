/** Maps service events onto the contract's main -> renderer events, for either transport. */
import type { EventName, EventPayloads } from '../../src-preload/contract'
import type { AppServices } from './app-services'

export type EventSink = <E extends EventName>(event: E, payload: EventPayloads[E]) => void

export function forwardEvents(services: AppServices, sink: EventSink): () => void {
  const onProgress = (payload: EventPayloads['training:progress']): void => sink('training:progress', payload)
  const onPaused = (payload: EventPayloads['training:paused']): void => sink('training:paused', payload)
  const onFinished = (payload: EventPayloads['training:finished']): void => sink('training:finished', payload)
  services.training.on('progress', onProgress)
  services.training.on('paused', onPaused)
  services.training.on('finished', onFinished)
  return () => {
    services.training.off('progress', onProgress)
    services.training.off('paused', onPaused)
    services.training.off('finished', onFinished)
  }
}
