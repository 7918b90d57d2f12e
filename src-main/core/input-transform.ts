// Linear map from a task's input range onto an electrode's voltage range (brainspy's
// get_linear_transform_constants): x = xMin -> y = yMin, x = xMax -> y = yMax.

export interface LinearTransform {
  scale: number
  offset: number
}

export function linearTransformConstants(yMin: number, yMax: number, xMin: number, xMax: number): LinearTransform {
  if (xMin === xMax) throw new RangeError(`input range is empty: xMin = xMax = ${xMin}`)
  const scale = (yMin - yMax) / (xMin - xMax)
  const offset = (yMax * xMin - yMin * xMax) / (xMin - xMax)
  return { scale, offset }
}

export function applyLinearTransform(x: number, transform: LinearTransform): number {
  return x * transform.scale + transform.offset
}
