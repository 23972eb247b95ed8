import { describe, expect, it } from 'vitest';
import { problemsOf } from './api/client';
import { formatDate, formatDateTime } from './dates';
import { byUrgencyThenDeadline, countInbox } from './inbox';
import { vietnamese } from './labels';
import type { RoutingCase } from './api/types';

describe('what people read', () => {
  it('shows dates as dd/mm/yyyy and instants in Vietnam time', () => {
    expect(formatDate('2026-11-21')).toBe('21/11/2026');
    expect(formatDateTime('2026-11-20T17:30:00Z')).toBe('21/11/2026 00:30');
  });

  it('says the usual API refusals in Vietnamese and leaves the others as sent', () => {
    expect(vietnamese('is required')).toBe('Bắt buộc nhập.');
    expect(vietnamese('2030-01-02 is in the future (today is 2026-11-21 in Vietnam)')).toBe(
      'Ngày 02/01/2030 ở tương lai (hôm nay là 21/11/2026).',
    );
    expect(vietnamese('something new')).toBe('something new');
  });

  it("reads intake's field problems, FastAPI's and routing's Vietnamese message", () => {
    expect(problemsOf({ detail: [{ loc: ['metadata', 'subject'], msg: 'must not be empty', field: 'metadata.subject' }] })).toEqual([
      { field: 'metadata.subject', message: 'must not be empty' },
    ]);
    expect(problemsOf({ detail: 'file: at least one file' })).toEqual([{ field: 'file', message: 'at least one file' }]);
    expect(problemsOf({ detail: { message: 'No.', message_vi: 'Không.' } })).toEqual([{ field: '', message: 'Không.' }]);
  });
});

function aCase(id: string, urgency: string, due: string | null, received = '2026-11-01T00:00:00Z'): RoutingCase {
  return {
    case_id: id,
    document_id: id,
    agency_code: 'A',
    leader: null,
    status: 'awaiting_direction',
    opened_at: received,
    tasks: [],
    decisions: [],
    drafts: [],
    voiding: null,
    urgings: [],
    version: 1,
    has_entries_on_behalf: false,
    document: {
      subject: id,
      urgency,
      confidentiality: 'normal',
      received_at: received,
      arrival_number: 1,
      document_type_code: null,
      issuer_name: null,
      issuer_agency_code: null,
      due_date: due,
      sender_agency_code: null,
      sender_document_code: null,
      readers: [],
      registered_by: null,
    },
  };
}

describe("the leader's inbox", () => {
  it('puts the most urgent first, then the nearest deadline, then the oldest', () => {
    const cases = [
      aCase('normal-late', 'normal', null),
      aCase('urgent-later', 'urgent', '2026-12-10'),
      aCase('flash', 'flash', null),
      aCase('urgent-sooner', 'urgent', '2026-11-25'),
    ];
    expect([...cases].sort(byUrgencyThenDeadline).map((c) => c.case_id)).toEqual([
      'flash',
      'urgent-sooner',
      'urgent-later',
      'normal-late',
    ]);
  });

  it('counts the urgent, the overdue and those due within three days', () => {
    const counts = countInbox(
      [aCase('a', 'urgent', '2026-11-20'), aCase('b', 'flash', '2026-11-23'), aCase('c', 'normal', null)],
      '2026-11-21',
      '2026-11-24',
    );
    expect(counts).toEqual({ total: 3, flash: 1, very_urgent: 0, urgent: 1, overdue: 1, due_soon: 1 });
  });
});

describe("a document's case", () => {
  it('is named as routing names it', async () => {
    const { caseIdFor } = await import('./caseId');
    expect(await caseIdFor('000.00.00.G22', '0b5c2f1e-1111-4222-8333-444455556666')).toBe('f3282892-2668-5576-a9b8-bce1b0361c78');
  });
});
