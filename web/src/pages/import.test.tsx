import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from '../App';
import { SessionProvider } from '../session';
import { FakeApi, PEOPLE, signedInAs } from '../testing/fakeApi';
import type { Call } from '../testing/fakeApi';
import { manifestOf, scanFor } from '../scanImport';
import { ImportScans } from './ImportScans';

const CHECK = 'POST /api/intake/v1/imports/scans/manifest';
const ROW = 'POST /api/intake/v1/imports/scans';

const META = (subject: string) => ({
  channel: 'paper',
  issuer: { name: 'Bộ Nội vụ' },
  document_type: 'decision',
  code_number: '12',
  code_notation: 'QĐ-BNV',
  issued_date: '2026-03-02',
  subject,
  page_count: 1,
  signer: { position: 'Thứ trưởng', full_name: 'Trần Văn B' },
});

function scan(name: string) {
  return new File(['%PDF-1.7 ' + name], name, { type: 'application/pdf' });
}

function page() {
  render(
    <SessionProvider>
      <MemoryRouter>
        <ImportScans />
      </MemoryRouter>
    </SessionProvider>,
  );
}

async function chooseAndCheck(csv: string, names: string[]) {
  await act(async () => {
    fireEvent.change(screen.getByLabelText('Tệp danh sách (CSV)'), { target: { files: [new File([csv], 'lo-thang-3.csv', { type: 'text/csv' })] } });
  });
  await act(async () => {
    fireEvent.change(screen.getByLabelText('Các tệp bản quét (PDF, PNG, JPEG, TIFF)'), { target: { files: names.map(scan) } });
  });
  await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Kiểm tra danh sách' })));
}

function threeRows() {
  return {
    rows: [2, 3, 4].map((row) => ({ row, file: `00${row}.pdf`, metadata: META(`Về việc số ${row}`) })),
    problems: [],
    required_columns: [],
    optional_columns: [],
  };
}

function outcome(call: Call) {
  const row = Number(call.form!.get('row'));
  return { outcome: 'registered', batch: call.form!.get('batch'), row, path: call.form!.get('path'), document_id: `doc-${row}`, arrival_number: row - 1, arrival_year: 2026 };
}

const progress = (what: string) => document.querySelector(`[data-progress="${what}"]`)?.textContent;

beforeEach(() => {
  sessionStorage.clear();
  signedInAs(PEOPLE.clerk);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Nhập lô bản quét', () => {
  it('names the columns of the manifest', () => {
    new FakeApi().install();
    page();
    const columns = screen.getByText('Các cột của tệp danh sách').closest('details')!;
    for (const column of ['file', 'issuer_name', 'code_number', 'issued_date', 'signer_full_name', 'urgency', 'recipients']) {
      expect(within(columns).getByText(column)).toBeTruthy();
    }
  });

  it('lists every bad row of the manifest with its row and column before sending anything', async () => {
    const fake = new FakeApi()
      .on(CHECK, {
        rows: [{ row: 2, file: '002.pdf', metadata: META('Về việc A') }],
        problems: [
          { row: 3, field: 'subject', message: 'is required' },
          { row: 4, field: 'issued_date', message: 'Input should be a valid date or datetime, day value is outside expected range' },
          { row: 5, field: 'file', message: "'005.pdf' is not among the chosen scans" },
        ],
        required_columns: [],
        optional_columns: [],
      })
      .install();
    page();

    await chooseAndCheck('file,subject\n002.pdf,A\n', ['002.pdf', '003.pdf', '004.pdf']);

    expect(fake.sent(CHECK)[0].body).toEqual({ csv: 'file,subject\n002.pdf,A\n', files: ['002.pdf', '003.pdf', '004.pdf'] });
    const rows = within(screen.getByRole('table', { name: 'Các dòng có lỗi' })).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(rows).toEqual([
      '3Trích yếuBắt buộc nhập.',
      '4Ngày ban hànhNgày không hợp lệ (dd/mm/yyyy).',
      '5Tên tệp bản quétChưa chọn tệp "005.pdf" trong các bản quét.',
    ]);
    expect(screen.getByText('1 dòng hợp lệ, 3 dòng có lỗi (sẽ không được nhập).')).toBeTruthy();
    expect(fake.sent(ROW)).toHaveLength(0);
  });

  it('sends the rows one by one and counts registered, already done and failed with the reason', async () => {
    const answers = [
      (call: Call) => new Response(JSON.stringify(outcome(call)), { status: 201 }),
      (call: Call) => ({ ...outcome(call), outcome: 'already_done' }),
      () => new Response(JSON.stringify({ detail: [{ loc: ['metadata', 'subject'], msg: 'must not be empty', field: 'metadata.subject' }] }), { status: 422 }),
    ];
    const fake = new FakeApi().on(CHECK, threeRows()).on(ROW, (call: Call) => answers[fake.sent(ROW).length - 1](call)).install();
    page();
    await chooseAndCheck('…', ['002.pdf', '003.pdf', '004.pdf']);

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Nhập 3 văn bản' })));

    const sent = fake.sent(ROW).map((c) => [c.form!.get('row'), c.form!.get('path'), (c.form!.get('file') as File).name, JSON.parse(String(c.form!.get('metadata'))).subject, c.form!.get('batch')]);
    expect(sent).toEqual([
      ['2', '002.pdf', '002.pdf', 'Về việc số 2', 'lo-thang-3.csv'],
      ['3', '003.pdf', '003.pdf', 'Về việc số 3', 'lo-thang-3.csv'],
      ['4', '004.pdf', '004.pdf', 'Về việc số 4', 'lo-thang-3.csv'],
    ]);
    expect(progress('done')).toBe('3 / 3');
    expect(progress('registered')).toBe('1');
    expect(progress('already_done')).toBe('1');
    expect(progress('failed')).toBe('1');
    expect((document.querySelector('progress') as HTMLProgressElement).value).toBe(3);
    const results = within(screen.getByRole('table', { name: 'Kết quả từng dòng' })).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(results).toEqual(['2002.pdfĐã đăng ký, số đến 1/2026', '3003.pdfĐã có từ trước, số đến 2/2026', '4004.pdfLỗi: Trích yếu: Không được để trống.']);
  });

  it('shows a repeated scan with a link to the document it repeats', async () => {
    new FakeApi()
      .on(CHECK, { ...threeRows(), rows: threeRows().rows.slice(0, 1) })
      .on(ROW, { detail: "file: '002.pdf' has the same bytes as '001.pdf' (row 2 of batch lo-1), registered as no. 4/2026 (doc-1)", field: 'file', existing_id: 'doc-1' }, 409)
      .install();
    page();
    await chooseAndCheck('…', ['002.pdf']);

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Nhập 1 văn bản' })));

    expect(screen.getByText(/Tệp "002.pdf" trùng nội dung với "001.pdf" \(dòng 2 của lô lo-1\), đã vào sổ số 4\/2026/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Xem văn bản đã có' }).getAttribute('href')).toBe('/van-ban/doc-1');
  });

  it('registers rows refused as duplicates by number anyway, with the reason given', async () => {
    const fake = new FakeApi()
      .on(CHECK, threeRows())
      .on(ROW, (call: Call) => {
        if (call.form!.get('row') === '3' && !call.form!.get('register_anyway_reason')) {
          const detail = 'code_number: already registered as document doc-9 (same issuer, number, notation and date); give a reason';
          return new Response(JSON.stringify({ detail, field: 'code_number', existing_id: 'doc-9' }), { status: 409 });
        }
        return new Response(JSON.stringify(outcome(call)), { status: 201 });
      })
      .install();
    page();
    await chooseAndCheck('…', ['002.pdf', '003.pdf', '004.pdf']);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Nhập 3 văn bản' })));
    expect(screen.getByText(/Số: Đã có văn bản cùng cơ quan ban hành, số, ký hiệu và ngày ban hành\./)).toBeTruthy();
    expect(progress('failed')).toBe('1');

    fireEvent.change(screen.getByLabelText('Lý do vẫn đăng ký'), { target: { value: 'Văn bản đính chính, cùng số' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Vẫn đăng ký 1 văn bản này' })));

    const again = fake.sent(ROW).slice(3);
    expect(again.map((c) => [c.form!.get('row'), c.form!.get('register_anyway_reason')])).toEqual([['3', 'Văn bản đính chính, cùng số']]);
    expect(progress('registered')).toBe('3');
    expect(progress('failed')).toBe('0');
  });

  it('stops between rows when cancelled and goes on with the rows not yet sent', async () => {
    let release: (() => void) | null = null;
    const fake = new FakeApi()
      .on(CHECK, threeRows())
      .on(ROW, (call: Call) => {
        const body = JSON.stringify(outcome(call));
        if (fake.sent(ROW).length !== 2) return new Response(body, { status: 201 });
        // the second row's answer is held until the test lets it through
        const held = new ReadableStream({
          start: (controller) =>
            new Promise<void>((r) => (release = r)).then(() => {
              controller.enqueue(new TextEncoder().encode(body));
              controller.close();
            }),
        });
        return new Response(held, { status: 201 });
      })
      .install();
    page();
    await chooseAndCheck('…', ['002.pdf', '003.pdf', '004.pdf']);

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Nhập 3 văn bản' })));
    expect(progress('done')).toBe('1 / 3');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Dừng' })));
    await act(async () => release?.());

    // the row on its way when the clerk stopped was answered: it counts, the next is not sent
    expect(screen.getByText(/Đã dừng: bấm “Tiếp tục” để nhập tiếp/)).toBeTruthy();
    expect(progress('done')).toBe('2 / 3');
    expect(fake.sent(ROW)).toHaveLength(2);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Tiếp tục' })));

    expect(fake.sent(ROW).map((c) => c.form!.get('row'))).toEqual(['2', '3', '4']);
    expect(progress('done')).toBe('3 / 3');
    expect(progress('registered')).toBe('3');
    expect(screen.getByText(/Đã xong/)).toBeTruthy();
  });

  it('writes several scans with shared fields as a manifest, one row per scan', async () => {
    const fake = new FakeApi().on(CHECK, { rows: [], problems: [], required_columns: [], optional_columns: [] }).install();
    page();
    await act(async () => fireEvent.click(screen.getByLabelText('Nhiều bản quét, thông tin chung')));
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Các tệp bản quét (PDF, PNG, JPEG, TIFF)'), { target: { files: [scan('a.pdf'), scan('b.pdf')] } });
    });
    fireEvent.change(screen.getByLabelText('Cơ quan ban hành'), { target: { value: 'Bộ Nội vụ' } });
    fireEvent.change(screen.getByLabelText('Ký hiệu'), { target: { value: 'QĐ-BNV' } });
    fireEvent.change(screen.getByLabelText('Số của a.pdf'), { target: { value: '7' } });
    fireEvent.change(screen.getByLabelText('Trích yếu của a.pdf'), { target: { value: 'Về việc A, B' } });
    fireEvent.change(screen.getByLabelText('Số của b.pdf'), { target: { value: '8' } });

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Kiểm tra danh sách' })));

    const [header, a, b] = (fake.sent(CHECK)[0].body as { csv: string }).csv.trim().split('\n');
    expect(header.split(',').slice(0, 10)).toEqual(['file', 'issuer_name', 'document_type', 'code_number', 'code_notation', 'issued_date', 'subject', 'page_count', 'signer_position', 'signer_full_name']);
    expect(a.startsWith('a.pdf,Bộ Nội vụ,official_letter,7,QĐ-BNV,,"Về việc A, B",1,')).toBe(true);
    expect(b.startsWith('b.pdf,Bộ Nội vụ,official_letter,8,QĐ-BNV,,,1,')).toBe(true);
  });

  it('is in the clerk’s navigation, not the leader’s', () => {
    new FakeApi().install();
    const { unmount } = render(
      <SessionProvider>
        <MemoryRouter initialEntries={['/van-ban-den']}>
          <App />
        </MemoryRouter>
      </SessionProvider>,
    );
    expect(screen.getByRole('link', { name: 'Nhập lô bản quét' }).getAttribute('href')).toBe('/van-ban-den/nhap-lo');
    unmount();
    signedInAs(PEOPLE.leader);
    render(
      <SessionProvider>
        <MemoryRouter initialEntries={['/van-ban-den']}>
          <App />
        </MemoryRouter>
      </SessionProvider>,
    );
    expect(screen.queryByRole('link', { name: 'Nhập lô bản quét' })).toBeNull();
  });
});

describe('matching scans and writing manifests', () => {
  it('finds a row’s scan by its path, else by its name', () => {
    const files = [scan('001.pdf'), scan('002.pdf')];
    expect(scanFor('2026-03/002.pdf', files)?.name).toBe('002.pdf');
    expect(scanFor('003.pdf', files)).toBeUndefined();
  });

  it('quotes cells holding separators or quotes', () => {
    const csv = manifestOf({ issuer_name: 'Sở "A"; B' }, [{ path: 'a.pdf', own: { code_number: '1', subject: 'x', page_count: '1' } }]);
    expect(csv.split('\n')[1].startsWith('a.pdf,"Sở ""A""; B"')).toBe(true);
  });
});
