import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from '../App';
import { SessionProvider } from '../session';
import { FakeApi, PEOPLE, signedInAs } from '../testing/fakeApi';

const settle = () => act(async () => {});
let api: FakeApi;

function at(path: string) {
  render(
    <SessionProvider>
      <MemoryRouter initialEntries={[path]}>
        <App />
      </MemoryRouter>
    </SessionProvider>,
  );
}

const person = (user_id: string, full_name: string) => ({ user_id, full_name, position: null });
const desk = (draft_id: string, state: string, approver = person('lanhdao1', 'Nguyễn Văn An'), extra = {}) => ({
  draft_id, case_id: `c-${draft_id}`, document_id: `d-${draft_id}`, answers_subject: `Công văn ${draft_id}`, answers_number: '7/2026',
  file_name: `${draft_id}.pdf`, media_type: 'application/pdf', drafted_by: person('chuyenvien1', 'Hoàng Văn Em'), approved_by: approver,
  approved_at: '2026-12-01T02:00:00Z', state, signed_at: null, signed_by: null, issued_document_id: null, issued_notation: null, last_failure: null, ...extra,
});

beforeEach(() => sessionStorage.clear());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the leader on Ký số và phát hành', () => {
  beforeEach(() => {
    signedInAs(PEOPLE.leader);
    api = new FakeApi()
      .on('GET /api/intake/v1/outgoing-documents/drafts', {
        items: [desk('dr1', 'awaiting_signature'), desk('dr2', 'awaiting_signature'), desk('dr3', 'awaiting_signature', person('phogiamdoc1', 'Trần Văn Phó')), desk('dr4', 'signed')],
      })
      .install();
  });

  it('lists only the drafts he approved and signs the chosen ones in one request, with the signature block', async () => {
    api.on('POST /api/intake/v1/outgoing-documents/signatures', { drafts: [{ draft_id: 'dr1' }, { draft_id: 'dr2' }] }, 201);
    at('/ky-so');
    await settle();
    const waiting = screen.getByRole('list', { name: 'Dự thảo chờ ký' });
    expect(within(waiting).getAllByRole('checkbox').map((c) => (c as HTMLInputElement).value)).toEqual(['dr1', 'dr2']);
    fireEvent.click(screen.getByRole('button', { name: 'Chọn tất cả (2)' }));
    fireEvent.change(screen.getByLabelText('Thẩm quyền ký'), { target: { value: 'KT. GIÁM ĐỐC' } });
    fireEvent.change(screen.getByLabelText('Chức vụ'), { target: { value: 'Phó Giám đốc' } });
    fireEvent.click(screen.getByRole('button', { name: /^Ký số 2 văn bản/ }));
    await settle();
    const [sent] = api.sent('POST /api/intake/v1/outgoing-documents/signatures');
    expect(sent.body).toEqual({ draft_ids: ['dr1', 'dr2'], signer: { competence: 'KT. GIÁM ĐỐC', position: 'Phó Giám đốc', full_name: 'Nguyễn Văn An' } });
    expect(screen.getByText('Đã ký số 2 văn bản.')).toBeTruthy();
  });

  it('says why the signing did not succeed, and nothing is said signed', async () => {
    api.on(
      'POST /api/intake/v1/outgoing-documents/signatures',
      { detail: [{ loc: ['signature'], field: 'signature', state: 'rejected', msg: 'không ký được (rejected): người ký từ chối trên điện thoại; chưa văn bản nào được ký' }] },
      409,
    );
    at('/ky-so');
    await settle();
    fireEvent.click(within(screen.getByRole('list', { name: 'Dự thảo chờ ký' })).getAllByRole('checkbox')[0]);
    fireEvent.click(screen.getByRole('button', { name: /^Ký số 1 văn bản/ }));
    await settle();
    expect(screen.getByRole('alert').textContent).toContain('người ký từ chối trên điện thoại');
    expect(screen.queryByText(/Đã ký số/)).toBeNull();
  });
});

describe('the clerk on Ký số và phát hành', () => {
  it('sees the signed drafts, each leading to the issue page of its draft', async () => {
    signedInAs(PEOPLE.clerk);
    new FakeApi()
      .on('GET /api/intake/v1/outgoing-documents/drafts', {
        items: [desk('dr1', 'awaiting_signature'), desk('dr4', 'signed', undefined, { signed_by: person('lanhdao1', 'Nguyễn Văn An'), signed_at: '2026-12-01T03:00:00Z' }), desk('dr5', 'issued', undefined, { issued_document_id: 'out5', issued_notation: '05/QĐ-VPCP' })],
      })
      .install();
    at('/ky-so');
    await settle();
    expect(screen.queryByRole('list', { name: 'Dự thảo chờ ký' })).toBeNull();
    const toSeal = screen.getByRole('list', { name: 'Văn bản chờ cấp số' });
    expect(within(toSeal).getByText('dr4.pdf')).toBeTruthy();
    const link = within(toSeal).getByRole('link', { name: 'Cấp số, đóng dấu và phát hành' });
    expect(link.getAttribute('href')).toBe('/van-ban-di/phat-hanh?case=c-dr4&draft=dr4');
    expect(screen.getByRole('link', { name: 'Số 05/QĐ-VPCP' }).getAttribute('href')).toBe('/van-ban/out5');
  });
});
