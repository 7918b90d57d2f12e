/** Maps service events onto the contract's main -> renderer events, for either transport. */
import type { EventName, EventPayloads } from '../../src-shared/ipc'
import type { AppServices } from './app-services'

export type EventSink = <E extends EventName>(event: E, payload: EventPayloads[E]) => void

export function forwardEvents(services: AppServices, sink: EventSink): () => void {
  const onProgress = (payload: EventPayloads['training:progress']): void => sink('training:progress', payload)
  const onPaused = (payload: EventPayloads['training:paused']): void => sink('training:paused', payload)
  const onFinished = (payload: EventPayloads['training:finished']): void => sink('training:finished', payload)
  services.training.on('progress', onProgress)
  services.training.on('paused', onPaused)
  services.training.on('finished', onFinished)
  const onDeviceStatus = (payload: EventPayloads['device:status']): void => sink('device:status', payload)
  const onCalibrationProgress = (payload: EventPayloads['calibration:progress']): void =>
    sink('calibration:progress', payload)
  const onValidationProgress = (payload: EventPayloads['validation:progress']): void =>
    sink('validation:progress', payload)
  services.device.on('status', onDeviceStatus)
  services.device.on('calibrationProgress', onCalibrationProgress)
  services.device.on('validationProgress', onValidationProgress)
  const onSamplingProgress = (payload: EventPayloads['sampling:progress']): void => sink('sampling:progress', payload)
  const onSamplingFinished = (payload: EventPayloads['sampling:finished']): void => sink('sampling:finished', payload)
  services.samplingSession.on('progress', onSamplingProgress)
  services.samplingSession.on('finished', onSamplingFinished)
  return () => {
    services.samplingSession.off('progress', onSamplingProgress)
    services.samplingSession.off('finished', onSamplingFinished)
    services.training.off('progress', onProgress)
    services.training.off('paused', onPaused)
    services.training.off('finished', onFinished)
    services.device.off('status', onDeviceStatus)
    services.device.off('calibrationProgress', onCalibrationProgress)
    services.device.off('validationProgress', onValidationProgress)
  }
}
