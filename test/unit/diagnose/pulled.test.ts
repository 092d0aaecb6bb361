import { parsePulledMessage } from '../../../steps/lib/diagnose/pulled.js';
import { goDuration, pulled } from '../../kube-server/kubelet/messages.js';

describe('Pulled event messages', () => {
  test('the pre-1.27 form: the pull duration alone, with Go nanosecond precision', () => {
    expect(parsePulledMessage('Successfully pulled image "nginx" in 4.040523593s')).toEqual({
      image: 'nginx',
      seconds: 4.041,
    });
  });

  test('the 1.27 form with the time including waiting', () => {
    expect(
      parsePulledMessage(
        'Successfully pulled image "public.ecr.aws/eks-distro/kubernetes-csi/external-provisioner:v3.4.1-eks-1-26-7" in 1.315633737s (1.315641898s including waiting)',
      ),
    ).toEqual({
      image: 'public.ecr.aws/eks-distro/kubernetes-csi/external-provisioner:v3.4.1-eks-1-26-7',
      seconds: 1.316,
      totalSeconds: 1.316,
    });
  });

  test('the 1.30 form with minutes, milliseconds and the image size', () => {
    expect(
      parsePulledMessage(
        'Successfully pulled image "nginx" in 1m0.809s (1m0.809s including waiting). Image size: 187694648 bytes.',
      ),
    ).toEqual({
      image: 'nginx',
      seconds: 60.809,
      totalSeconds: 60.809,
      sizeBytes: 187694648,
    });
    expect(
      parsePulledMessage(
        'Successfully pulled image "zabbix/zabbix-web-nginx-pgsql:latest" in 717ms (718ms including waiting). Image size: 78005565 bytes.',
      ),
    ).toEqual({
      image: 'zabbix/zabbix-web-nginx-pgsql:latest',
      seconds: 0.717,
      totalSeconds: 0.718,
      sizeBytes: 78005565,
    });
    expect(
      parsePulledMessage(
        'Successfully pulled image "x.azurecr.io/run:latest" in 3m10.96s (3m10.96s including waiting). Image size: 3072610852 bytes.',
      )?.seconds,
    ).toBe(190.96);
  });

  test('hours, and what the test kubelet writes, read back to the same milliseconds', () => {
    expect(
      parsePulledMessage(
        'Successfully pulled image "big" in 1h0m2.5s (1h0m3s including waiting). Image size: 1 bytes.',
      ),
    ).toMatchObject({ seconds: 3602.5, totalSeconds: 3603 });
    for (const ms of [0, 7, 999, 1000, 1594, 59_999, 60_809, 3_723_004]) {
      expect(parsePulledMessage(pulled('r:5000/a/b:v1', ms, ms + 1, 42))).toEqual({
        image: 'r:5000/a/b:v1',
        seconds: ms / 1000,
        totalSeconds: (ms + 1) / 1000,
        sizeBytes: 42,
      });
      expect(goDuration(ms)).not.toBe('');
    }
  });

  test('messages that report no pull are not pulls', () => {
    expect(parsePulledMessage('Container image "nginx:1.27" already present on machine')).toBeUndefined();
    expect(parsePulledMessage('Successfully pulled image "nginx" in soon')).toBeUndefined();
    expect(parsePulledMessage('')).toBeUndefined();
  });
});
