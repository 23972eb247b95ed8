import { useCallback, useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, ApiError } from '../api/client';
import type { DirectoryUnit, DirectoryUser } from '../api/types';
import { DEMO_AGENCY, DEMO_DELEGATION, DEMO_DIRECTORY_CSV, DEMO_RULES, DEMO_USER_IDS, DIRECTORY_READER } from '../demo';
import { ROLES } from '../labels';
import { completeSignIn, isCallback, signInUrl } from '../oidc';
import type { OidcProvider, SignInConfig } from '../oidc';
import { useSession } from '../session';

type Load =
  | { state: 'loading' }
  | { state: 'dev-off' }
  | { state: 'failed'; message: string }
  | { state: 'ready'; users: DirectoryUser[]; units: DirectoryUnit[] };

async function devToken(body: object): Promise<string> {
  const { token } = await api<{ token: string }>('intake', '/dev/sign-in', {
    method: 'POST',
    body: JSON.stringify(body),
  });
  return token;
}

async function asDirectoryReader(agency: string): Promise<Headers> {
  const token = await devToken({ ...DIRECTORY_READER, agency_code: agency });
  return new Headers({ Authorization: `Bearer ${token}` });
}

export function SignIn() {
  const { signIn, endedBecause } = useSession();
  const navigate = useNavigate();
  const [agency, setAgency] = useState(DEMO_AGENCY);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [chosen, setChosen] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [config, setConfig] = useState<SignInConfig | null>(null);

  useEffect(() => {
    // Back from the identity provider with a code: finish the sign-in it started.
    if (isCallback(window.location.search)) {
      completeSignIn(window.location.search)
        .then((session) => {
          signIn(session);
          navigate('/', { replace: true });
        })
        .catch((e: unknown) => setError(`Không đăng nhập được: ${e instanceof Error ? e.message : String(e)}`));
    }
    api<SignInConfig>('intake', '/auth/config')
      .then(setConfig)
      .catch(() => setConfig({ dev_sign_in: true, oidc: null }));
    // Once, on arrival.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function goToProvider(provider: OidcProvider) {
    setBusy(true);
    try {
      window.location.assign(await signInUrl(provider));
    } catch (e) {
      setError(`Không mở được trang đăng nhập: ${e instanceof Error ? e.message : String(e)}`);
      setBusy(false);
    }
  }

  const refresh = useCallback(async (agencyCode: string) => {
    setLoad({ state: 'loading' });
    try {
      const headers = await asDirectoryReader(agencyCode);
      const [users, units] = await Promise.all([
        api<DirectoryUser[]>('routing', '/directory/users', { headers }),
        api<DirectoryUnit[]>('routing', '/directory/units', { headers }),
      ]);
      setLoad({ state: 'ready', users: users.filter((u) => u.active && u.roles.length), units });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setLoad({ state: 'dev-off' });
      else setLoad({ state: 'failed', message: e instanceof Error ? e.message : String(e) });
    }
  }, []);

  useEffect(() => {
    void refresh(agency);
    // Only on the first render; a changed agency code is loaded with its button.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function createDemoDirectory() {
    setBusy(true);
    setError('');
    try {
      const headers = await asDirectoryReader(agency);
      await api('routing', '/directory/import', {
        method: 'POST',
        body: DEMO_DIRECTORY_CSV,
        headers: new Headers({ ...Object.fromEntries(headers), 'Content-Type': 'text/csv' }),
      });
      await api('routing', '/directory/delegations', { method: 'POST', body: JSON.stringify(DEMO_DELEGATION), headers }).catch(
        (e: unknown) => {
          // Granted before (a second demo set-up): the grant stands as it is.
          if (!(e instanceof ApiError && [409, 422].includes(e.status))) throw e;
        },
      );
      await api('routing', '/directory/routing-rules', { method: 'PUT', body: JSON.stringify(DEMO_RULES), headers });
      await refresh(agency);
    } catch (e) {
      setError(`Không tạo được danh bạ mẫu: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (load.state !== 'ready') return;
    const person = load.users.find((u) => u.user_id === chosen);
    if (!person) {
      setError('Hãy chọn một người trong danh bạ.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      const token = await devToken({
        user_id: person.user_id,
        agency_code: agency,
        roles: person.roles,
        full_name: person.full_name,
        unit_id: person.unit_id ?? undefined,
      });
      signIn({ token, person: { ...person, agency_code: agency } });
      navigate('/', { replace: true });
    } catch (e) {
      setError(`Không đăng nhập được: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  }

  const unitName = (id: string | null) =>
    load.state === 'ready' ? (load.units.find((u) => u.unit_id === id)?.name ?? id ?? '') : '';

  return (
    <main className="sign-in" id="noi-dung">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="tieu-de-dang-nhap">
        <h1 id="tieu-de-dang-nhap">Đăng nhập</h1>
        {config?.oidc && (
          <div className="oidc">
            <p className="muted">Đăng nhập bằng tài khoản của cơ quan ({new URL(config.oidc.issuer).host}).</p>
            <button type="button" className="primary" disabled={busy} onClick={() => void goToProvider(config.oidc!)}>
              Đăng nhập
            </button>
          </div>
        )}
        {load.state !== 'dev-off' && (
          <p className="muted">Môi trường thử nghiệm: chọn một người trong danh bạ của cơ quan.</p>
        )}
        {endedBecause && (
          <p className="notice" role="status">
            {endedBecause}
          </p>
        )}
        <div className="field inline">
          <label htmlFor="ma-co-quan">Mã định danh cơ quan</label>
          <input id="ma-co-quan" value={agency} onChange={(e) => setAgency(e.target.value.trim())} />
          <button type="button" className="secondary" onClick={() => void refresh(agency)}>
            Tải danh bạ
          </button>
        </div>

        {load.state === 'loading' && <p role="status">Đang tải danh bạ…</p>}
        {load.state === 'dev-off' && config && !config.oidc && (
          <p className="error" role="alert">
            Máy chủ chưa bật cách đăng nhập nào: đăng nhập thử nghiệm (VANTHU_AUTH_DEV_MODE) hoặc nhà cung cấp định
            danh OpenID Connect (VANTHU_AUTH_JWKS_URL, VANTHU_AUTH_ISSUER, VANTHU_AUTH_OIDC_CLIENT_ID).
          </p>
        )}
        {load.state === 'failed' && (
          <p className="error" role="alert">
            Không tải được danh bạ: {load.message}
          </p>
        )}
        {load.state === 'ready' && load.users.length === 0 && (
          <p className="notice">Danh bạ của cơ quan {agency} chưa có ai.</p>
        )}
        {load.state === 'ready' && DEMO_USER_IDS.some((id) => !load.users.some((u) => u.user_id === id)) && (
          <div className="demo">
            <button type="button" className="secondary" disabled={busy} onClick={() => void createDemoDirectory()}>
              Tạo danh bạ mẫu
            </button>
            <small className="muted">
              Ba đơn vị, một người cho mỗi vai trò, ủy quyền cho thư ký; văn bản đến được trình Giám đốc (thay quy tắc
              phân phối hiện có của cơ quan).
            </small>
          </div>
        )}
        {load.state === 'ready' && load.users.length > 0 && (
          <fieldset className="people">
            <legend>Người dùng</legend>
            {load.users.map((u) => (
              <label key={u.user_id} className={`person${chosen === u.user_id ? ' chosen' : ''}`}>
                <input
                  type="radio"
                  name="nguoi-dung"
                  value={u.user_id}
                  checked={chosen === u.user_id}
                  onChange={() => setChosen(u.user_id)}
                />
                <span className="person-name">{u.full_name}</span>
                <span className="person-role">
                  {[u.position, u.roles.map((r) => ROLES[r] ?? r).join(', '), unitName(u.unit_id)]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              </label>
            ))}
          </fieldset>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {load.state !== 'dev-off' && (
          <button type="submit" className="primary" disabled={busy || load.state !== 'ready' || !load.users.length}>
            Đăng nhập
          </button>
        )}
      </form>
    </main>
  );
}
