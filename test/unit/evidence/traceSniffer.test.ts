import { describe, expect, it } from 'vitest';
import { describeTrace } from '../../../src/evidence/traceSniffer.js';

const plain = { gzip: false, lines: 3 };

describe('describeTrace', () => {
  it.each([
    [['PID    COMM         IP SADDR            DADDR            DPORT'], /tcpconnect output/],
    [['PID    COMM       LADDR           LPORT RADDR           RPORT TX_KB RX_KB MS'], /tcplife output/],
    [['PID     COMM         IP RADDR            RPORT LADDR            LPORT'], /tcpaccept output/],
    [
      ['SKADDR           C-PID C-COMM     LADDR           LPORT RADDR           RPORT OLDSTATE    -> NEWSTATE    MS'],
      /tcpstates/,
    ],
    [['TIME     PID    IP LADDR:LPORT          T> RADDR:RPORT          STATE'], /tcpretrans/],
    [
      ['LADDR                     RADDR                     RPORT                CONNECTS'],
      /tcpconnect -c summary with no rows/,
    ],
    [['K8S.NODE  K8S.NAMESPACE  K8S.PODNAME  QR  NAMESERVER  NAME'], /Inspektor Gadget output from another gadget/],
    [['{"k8s":{"node":"n"},"runtime":{},"name":"example.org.","qr":"Q"}'], /Inspektor Gadget JSON without TCP events/],
    [['{"kind":"List","apiVersion":"v1","items":[]}'], /kubectl JSON/],
    [['{"foo":1,"bar":2}'], /JSON without trace events \(keys: foo, bar\)/],
    [['{"foo":'], /not one object per line/],
    [['tcp   ESTAB 0      0      10.244.0.5:43212   20.60.1.12:443'], /ss output/],
    [['ESTAB 0      0      10.244.0.5:43212   20.60.1.12:443'], /ss output/],
    [['tcp        0      0 10.244.0.5:43212        20.60.1.12:443          ESTABLISHED'], /netstat output/],
    [['Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port'], /ss socket table/],
    [['Active Internet connections (w/o servers)'], /netstat socket table/],
    [['  sl  local_address rem_address   st tx_queue'], /proc\/net\/tcp/],
    [['        NS TYPE   NPROCS   PID USER     NETNSID NSFS COMMAND'], /lsns output/],
  ])('names %s', (sample, expected) => {
    const phrase = describeTrace(sample, plain);
    expect(phrase).toMatch(expected);
    expect(phrase).not.toContain('\n');
  });

  it('says what to run instead for another tool', () => {
    expect(describeTrace(['PID    COMM   LADDR LPORT RADDR RPORT TX_KB RX_KB MS'], plain)).toMatch(
      /^this looks like tcplife output .*: run `tcptracer -t4v`/,
    );
  });

  it('tells a tcptracer header that caught nothing from other tools', () => {
    expect(
      describeTrace(
        [
          'Tracing TCP established connections. Ctrl-C to end.',
          'T  PID    COMM             IP SADDR            DADDR            SPORT  DPORT',
        ],
        plain,
      ),
    ).toBe('this is a tcptracer header with no events after it (the trace caught no connection)');
  });

  it('names empty, binary, gzip-wrapped and damaged files', () => {
    expect(describeTrace([], plain)).toBe('an empty file');
    expect(describeTrace(['', '  '], { gzip: true, lines: 2 })).toBe('an empty gzip-compressed file');
    expect(describeTrace(['\u0000\u0001\u0002ELF\u0003\u0004\u0005\u0006'], plain)).toMatch(/^binary data/);
    expect(describeTrace(['\ufffd\ufffd\ufffd\ufffdPNG\ufffd'], plain)).toMatch(/^binary data/);
    expect(describeTrace(['ESTAB 0 0 1.1.1.1:1 2.2.2.2:2'], { gzip: true, lines: 1 })).toMatch(
      /^this looks like gzip-compressed ss output/,
    );
    expect(describeTrace([], { gzip: true, damaged: 'unexpected end of file', lines: 0 })).toBe(
      'a damaged gzip file (unexpected end of file)',
    );
  });

  it('quotes the first line of unknown text on one printable line', () => {
    const phrase = describeTrace(['hello\tworld\r'], plain);
    expect(phrase).toMatch(/^text that no trace format matches \(first line: "hello world"\)/);
  });
});
