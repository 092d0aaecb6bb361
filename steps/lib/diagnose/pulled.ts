import { parseDuration } from '../runner/duration.js';

/** One image pull the kubelet reported in a `Pulled` event. */
export interface PulledReport {
  image: string;
  /** The pull itself. */
  seconds: number;
  /** Including the time queued behind other pulls (kubelet 1.27+); absent in the older form. */
  totalSeconds?: number;
  /** Compressed size the kubelet reported (kubelet 1.30+). */
  sizeBytes?: number;
}

const DURATION = String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h)`;
/**
 * The kubelet's forms of the message, oldest first:
 *   Successfully pulled image "nginx" in 4.040523593s
 *   Successfully pulled image "nginx" in 1.315633737s (1.315641898s including waiting)
 *   Successfully pulled image "nginx" in 1m0.809s (1m0.809s including waiting). Image size: 187694648 bytes.
 */
const PULLED = new RegExp(
  String.raw`^Successfully pulled image "([^"]+)" in ((?:${DURATION})+)(?: \(((?:${DURATION})+) including waiting\))?(?:\. Image size: (\d+) bytes)?\.?$`,
);

const seconds = (text: string): number => (parseDuration(text) as number) / 1000;

/** The pull a `Pulled` event message reports, or undefined for other messages ("already present on machine"). */
export function parsePulledMessage(message: string): PulledReport | undefined {
  const match = PULLED.exec(message.trim());
  if (!match) return undefined;
  const [, image, pull, total, size] = match as unknown as [
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  return {
    image,
    seconds: seconds(pull),
    ...(total ? { totalSeconds: seconds(total) } : {}),
    ...(size ? { sizeBytes: Number(size) } : {}),
  };
}
