import { describe, expect, it } from 'vitest';
import { captureLogs } from '../test/fixtures.ts';
import { loggableUrl, traceFields } from './logger.ts';

describe('createLogger', () => {
  it("writes Cloud Logging's structured fields", () => {
    const { logger, lines } = captureLogs('billing');
    logger.info({ invoice: 'inv_1' }, 'invoice sent');
    logger.warn('quota at 90%');
    logger.fatal('gone');
    const [info, warn, fatal] = lines();
    expect(info).toEqual({
      severity: 'INFO',
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      serviceContext: { service: 'billing' },
      invoice: 'inv_1',
      message: 'invoice sent',
    });
    expect(warn.severity).toBe('WARNING');
    expect(fatal.severity).toBe('CRITICAL');
  });

  it('redacts credentials and personal data wherever they sit', () => {
    const { logger, lines } = captureLogs();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer eyJhbGci', cookie: 'sid=1', 'x-api-key': 'nlz_live_k' } },
        res: { headers: { 'set-cookie': ['sid=2'] } },
        user: { email: 'owner@shop.test', profile: { phone: '+49 30 1234' } },
        password: 'hunter2',
        widget: { token: 'wt_abc' },
        store_id: 'kept',
      },
      'signup',
    );
    const [line] = lines();
    const text = JSON.stringify(line);
    for (const secret of [
      'eyJhbGci',
      'sid=1',
      'sid=2',
      'nlz_live_k',
      'owner@shop.test',
      '+49 30',
      'hunter2',
      'wt_abc',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(line.req.headers.authorization).toBe('[REDACTED]');
    expect(line.store_id).toBe('kept');
  });

  it('adds the stack trace of a logged error for Error Reporting', () => {
    const { logger, lines } = captureLogs();
    logger.error({ err: new TypeError('boom') }, 'handler crashed');
    const [line] = lines();
    expect(line).toMatchObject({ severity: 'ERROR', message: 'handler crashed', err: { type: 'TypeError' } });
    expect(line.stack_trace).toMatch(/^TypeError: boom\n\s+at /);
  });
});

describe('traceFields', () => {
  it('reads X-Cloud-Trace-Context, converting the span id to hex', () => {
    expect(
      traceFields({ 'x-cloud-trace-context': '4bf92f3577b34da6a3ce929d0e0e4736/255;o=0' }, 'p1'),
    ).toEqual({
      'logging.googleapis.com/trace': 'projects/p1/traces/4bf92f3577b34da6a3ce929d0e0e4736',
      'logging.googleapis.com/spanId': '00000000000000ff',
      'logging.googleapis.com/trace_sampled': false,
    });
  });

  it('prefers W3C traceparent', () => {
    const fields = traceFields({
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'x-cloud-trace-context': '11111111111111111111111111111111/1;o=0',
    });
    expect(fields).toEqual({
      'logging.googleapis.com/trace': '4bf92f3577b34da6a3ce929d0e0e4736',
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    });
  });

  it('adds nothing without a well-formed trace header', () => {
    expect(traceFields({})).toEqual({});
    expect(traceFields({ 'x-cloud-trace-context': 'not-a-trace' })).toEqual({});
  });
});

describe('loggableUrl', () => {
  it('blanks credential-like query values and keeps the rest', () => {
    expect(loggableUrl('/widget/search?widget_token=abc&api_key=k&page=2')).toBe(
      '/widget/search?widget_token=%5BREDACTED%5D&api_key=%5BREDACTED%5D&page=2',
    );
    expect(loggableUrl('/stores/1/products')).toBe('/stores/1/products');
  });
});
