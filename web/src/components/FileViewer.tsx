// The document page's viewer (issue 12, clerk): the original scan and its OCR derivative side by
// side in the browser's own PDF viewer, the recognised text beside them. The files come from
// intake's short-lived links (MinIO, on this machine), fetched into blob: URLs so that the viewer
// shows them here instead of the browser saving them (the links answer as attachments).
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import type { StoredFile } from '../api/types';

export interface ViewedFile {
  file: StoredFile;
  title: string;
}

async function blobUrlOf(documentId: string, file: StoredFile): Promise<string> {
  const link = await api<{ url: string }>('intake', `/v1/documents/${encodeURIComponent(documentId)}/files/${encodeURIComponent(file.file_id)}/link`);
  const answer = await fetch(link.url);
  if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
  const bytes = await answer.arrayBuffer();
  return URL.createObjectURL(new Blob([bytes], { type: file.media_type || 'application/pdf' }));
}

export function FileViewer({ documentId, files, text, onClose }: { documentId: string; files: ViewedFile[]; text?: string; onClose(): void }) {
  const [urls, setUrls] = useState<(string | null)[]>(files.map(() => null));
  const [error, setError] = useState('');
  const shown = useRef(files);
  shown.current = files;
  const which = files.map((f) => f.file.file_id).join(' ');

  useEffect(() => {
    let open = true;
    const made: string[] = [];
    setUrls(shown.current.map(() => null));
    setError('');
    Promise.all(shown.current.map((f) => blobUrlOf(documentId, f.file)))
      .then((found) => {
        made.push(...found);
        if (open) setUrls(found);
      })
      .catch((e: Error) => open && setError(`Không mở được tệp để xem: ${e.message}`));
    return () => {
      open = false;
      made.forEach((u) => URL.revokeObjectURL(u));
    };
  }, [documentId, which]);

  return (
    <section className="card viewer" aria-labelledby="xem-tep">
      <div className="heading">
        <h2 id="xem-tep">{files.length > 1 ? 'Xem song song bản gốc và bản số hóa' : `Xem ${files[0]?.title ?? 'tệp'}`}</h2>
        <button type="button" className="secondary" onClick={onClose}>Đóng</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className={`viewer-panes panes-${files.length + (text !== undefined ? 1 : 0)}`}>
        {files.map((f, i) => (
          <figure key={f.file.file_id}>
            <figcaption>{f.title}</figcaption>
            {urls[i] ? (
              f.file.media_type === 'application/pdf' || !f.file.media_type ? (
                <iframe className="pdf" src={urls[i]!} title={f.title} />
              ) : (
                <img className="scan" src={urls[i]!} alt={f.title} />
              )
            ) : (
              !error && <p role="status">Đang mở…</p>
            )}
          </figure>
        ))}
        {text !== undefined && (
          <figure>
            <figcaption>Nội dung nhận dạng (OCR)</figcaption>
            {text.trim() ? <pre className="ocr-text" tabIndex={0}>{text}</pre> : <p>Không nhận dạng được chữ nào trên bản quét.</p>}
          </figure>
        )}
      </div>
    </section>
  );
}
