import { describe, expect, it } from 'vitest';
import { StatusError } from '../api/status.js';
import {
  channelProtocol,
  decodeErrorChannel,
  decodeFrame,
  encodeFrame,
  exitStatus,
  RemoteCommandExitError,
  STREAM_PROTOCOL_V1_BASE64,
  STREAM_PROTOCOL_V4,
  STREAM_PROTOCOL_V5,
  upgradeFailure,
} from './remotecommand.js';

const v5 = channelProtocol(STREAM_PROTOCOL_V5)!;
const v4 = channelProtocol(STREAM_PROTOCOL_V4)!;
const b64 = channelProtocol(STREAM_PROTOCOL_V1_BASE64)!;
const v1 = channelProtocol(undefined)!;

describe('channel framing', () => {
  it('prefixes binary frames with the channel byte', () => {
    const frame = encodeFrame(v5, 1, 'hi');
    expect(frame).toEqual(Buffer.from([1, 0x68, 0x69]));
    expect(decodeFrame(v5, frame as Buffer, true)).toEqual({ channel: 1, data: Buffer.from('hi') });
  });

  it('sends base64 protocols as text: a channel digit, then the data in base64', () => {
    expect(encodeFrame(b64, 2, 'hi')).toBe('2aGk=');
    expect(decodeFrame(b64, Buffer.from('0aGk='), false)).toEqual({ channel: 0, data: Buffer.from('hi') });
  });

  it('knows the subprotocols Kubernetes speaks and no others', () => {
    expect([v5.version, v4.version, b64.version, v1.version]).toEqual([5, 4, 1, 1]);
    expect(channelProtocol('v3.channel.k8s.io')).toBeUndefined();
  });
});

describe('error channel', () => {
  it('reads the exit code of a failed command from a v4 Status', () => {
    const err = decodeErrorChannel(v4, Buffer.from(JSON.stringify(exitStatus(42, ['sh', '-c', 'exit 42']))));
    expect(err).toBeInstanceOf(RemoteCommandExitError);
    expect((err as RemoteCommandExitError).exitCode).toBe(42);
    expect(err!.message).toBe('command terminated with exit code 42');
    expect(decodeErrorChannel(v4, Buffer.from(JSON.stringify(exitStatus(0))))).toBeUndefined();
  });

  it('writes the Status Kubernetes writes for a non-zero exit', () => {
    expect(exitStatus(3, ['sh', '-c', 'exit 3'])).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('turns other failures into errors, as text before v4', () => {
    const internal = decodeErrorChannel(v5, Buffer.from(JSON.stringify({ status: 'Failure', reason: 'InternalError', message: 'boom', code: 500 })));
    expect(internal).toBeInstanceOf(StatusError);
    expect(internal!.message).toBe('boom');
    expect(decodeErrorChannel(v1, Buffer.from('it broke'))!.message).toBe('it broke');
  });

  it('words a refused upgrade as client-go does', () => {
    const status = upgradeFailure(400, JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'no host', reason: 'BadRequest', code: 400 }));
    expect(status).toBeInstanceOf(StatusError);
    expect((status as StatusError).code).toBe(400);
    expect(upgradeFailure(500, 'container not found ("x")').message).toBe('unable to upgrade connection: container not found ("x")');
  });
});
