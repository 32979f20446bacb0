/**
 * A streaming anomaly detector: it sees one point at a time and answers at once with how
 * anomalous that point is, from what came before it only.
 */
export interface StreamingDetector {
  /** Takes the next point (time in ms, value) and returns its anomaly score in [0, 1]. */
  push(time: number, value: number): number;
}
