// One DNS query in, one answer out (dns-packet does the wire format): the
// cluster zone answers its names; any other name goes to the upstream on
// loopback when there is one and is REFUSED otherwise (nothing may leave this
// machine). UDP answers that do not fit the client's buffer are truncated
// (TC) so that the client asks again over TCP.
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet, Question } from 'dns-packet';
import type { ClusterZone } from './zone.js';

export type Transport = 'udp' | 'tcp';

export const rcodes = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = keyof typeof rcodes;

/** Sends raw query bytes to the upstream and hands back its raw answer. */
export type Forwarder = (query: Buffer, transport: Transport) => Promise<Buffer>;

export interface Handled {
  response: Buffer;
  rcode: Rcode | 'FORWARDED';
  type: string;
}

const OPCODE_QUERY = 0;

function optOf(p: DecodedPacket): { udpPayloadSize: number } | undefined {
  for (const a of p.additionals ?? []) if (a.type === 'OPT') return { udpPayloadSize: a.udpPayloadSize };
  return undefined;
}

/** The answer to one query; undefined when the bytes are not a DNS query at all (dropped). */
export async function handleQuery(buf: Buffer, transport: Transport, zone: ClusterZone, forward?: Forwarder): Promise<Handled | undefined> {
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(buf);
  } catch {
    if (buf.length < 12) return undefined;
    // a header we can read: tell the client its message was malformed
    return { response: header(buf.readUInt16BE(0), rcodes.FORMERR), rcode: 'FORMERR', type: '' };
  }
  if (query.flag_qr) return undefined;
  const id = query.id ?? 0;
  const rd = query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0;
  const ra = forward ? dnsPacket.RECURSION_AVAILABLE : 0;
  const opt = optOf(query);
  const base = (rcode: Rcode, questions: Question[], flags = 0): Packet => ({
    type: 'response',
    id,
    flags: flags | rd | ra | rcodes[rcode],
    questions,
    ...(opt ? { additionals: [optRecord()] } : {}),
  });
  const opcode = ((query.flags ?? 0) >> 11) & 0xf;
  if (opcode !== OPCODE_QUERY) return { response: dnsPacket.encode(base('NOTIMP', query.questions ?? [])), rcode: 'NOTIMP', type: '' };
  const questions = query.questions ?? [];
  if (questions.length !== 1) return { response: dnsPacket.encode(base('FORMERR', questions)), rcode: 'FORMERR', type: '' };
  const q = questions[0]!;
  const qclass = q.class ?? 'IN';
  if (qclass !== 'IN' && qclass !== 'ANY') return { response: dnsPacket.encode(base('REFUSED', questions)), rcode: 'REFUSED', type: q.type };

  const found = zone.answer(q.name, q.type);
  if (!found) {
    if (!forward) return { response: dnsPacket.encode(base('REFUSED', questions)), rcode: 'REFUSED', type: q.type };
    try {
      return { response: await forward(buf, transport), rcode: 'FORWARDED', type: q.type };
    } catch {
      return { response: dnsPacket.encode(base('SERVFAIL', questions)), rcode: 'SERVFAIL', type: q.type };
    }
  }

  const packet: Packet = {
    ...base(found.rcode, questions, dnsPacket.AUTHORITATIVE_ANSWER),
    answers: found.answers,
    authorities: found.authorities,
    additionals: [...found.additionals, ...(opt ? [optRecord()] : [])],
  };
  let response = dnsPacket.encode(packet);
  if (transport === 'udp') {
    const limit = opt ? Math.max(512, Math.min(opt.udpPayloadSize, 4096)) : 512;
    if (response.length > limit) {
      response = dnsPacket.encode({
        ...packet,
        flags: (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
        answers: [],
        authorities: [],
        additionals: opt ? [optRecord()] : [],
      });
    }
  }
  return { response, rcode: found.rcode, type: q.type };
}

function optRecord(): Answer {
  return { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
}

/** A bare response header: id, QR, the rcode, no sections. */
function header(id: number, rcode: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(0x8000 | rcode, 2);
  return b;
}
