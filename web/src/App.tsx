import { Navigate, NavLink, Route, Routes } from 'react-router';
import type { ReactNode } from 'react';
import { ROLES } from './labels';
import { AdminDelegations, AdminHome, AdminImport, AdminRules, AdminUnits, AdminUsers } from './pages/Admin';
import { AuditDocument } from './pages/AuditDocument';
import { AuditSearch } from './pages/AuditSearch';
import { CasePage } from './pages/CasePage';
import { Dashboard } from './pages/Dashboard';
import { DocumentList } from './pages/DocumentList';
import { DocumentPage } from './pages/DocumentPage';
import { ImportScans } from './pages/ImportScans';
import { IssueOutgoing } from './pages/IssueOutgoing';
import { LeaderInbox } from './pages/LeaderInbox';
import { MyTasks } from './pages/MyTasks';
import { OutgoingList } from './pages/OutgoingList';
import { RecordsFilePage, RecordsFiles } from './pages/RecordsFiles';
import { Registers } from './pages/Registers';
import { SigningDesk } from './pages/SigningDesk';
import { RegisterIncoming } from './pages/RegisterIncoming';
import { SignIn } from './pages/SignIn';
import { TaskPage } from './pages/TaskPage';
import { LiveBadge, LiveProvider } from './live';
import { endSessionUrl } from './oidc';
import { useOidcRefresh } from './oidcRefresh';
import { hasRole, useSession } from './session';

export function App() {
  const { session } = useSession();
  if (!session) {
    return (
      <Routes>
        <Route path="*" element={<SignIn />} />
      </Routes>
    );
  }
  return (
    <Shell>
      <Routes>
        <Route path="/" element={<Home />} />
        <Route path="/dang-nhap" element={<Navigate to="/" replace />} />
        <Route path="/van-ban-den" element={<DocumentList />} />
        <Route path="/van-ban-den/dang-ky" element={<RegisterIncoming />} />
        <Route path="/van-ban-den/nhap-lo" element={<ImportScans />} />
        <Route path="/van-ban/:documentId" element={<DocumentPage />} />
        <Route path="/van-ban-di" element={<OutgoingList />} />
        <Route path="/van-ban-di/phat-hanh" element={<IssueOutgoing />} />
        <Route path="/so-dang-ky" element={<Registers />} />
        <Route path="/ky-so" element={<SigningDesk />} />
        <Route path="/tra-cuu" element={<AuditSearch />} />
        <Route path="/tra-cuu/:documentId" element={<AuditDocument />} />
        <Route path="/ho-so" element={<RecordsFiles />} />
        <Route path="/ho-so/:fileId" element={<RecordsFilePage />} />
        <Route path="/chi-dao" element={<LeaderInbox />} />
        <Route path="/chi-dao/:caseId" element={<CasePage />} />
        <Route path="/tong-hop" element={<Dashboard />} />
        <Route path="/viec" element={<MyTasks scope="mine" />} />
        <Route path="/viec/don-vi" element={<MyTasks scope="unit" />} />
        <Route path="/viec/:caseId/:taskId" element={<TaskPage />} />
        <Route path="/quan-tri" element={<AdminHome />} />
        <Route path="/quan-tri/don-vi" element={<AdminUnits />} />
        <Route path="/quan-tri/nguoi-dung" element={<AdminUsers />} />
        <Route path="/quan-tri/uy-quyen" element={<AdminDelegations />} />
        <Route path="/quan-tri/quy-tac" element={<AdminRules />} />
        <Route path="/quan-tri/nhap-danh-ba" element={<AdminImport />} />
        <Route path="*" element={<p>Không tìm thấy trang này.</p>} />
      </Routes>
    </Shell>
  );
}

function Home() {
  const { session } = useSession();
  if (hasRole(session, 'leader', 'secretary')) return <Navigate to="/chi-dao" replace />;
  if (hasRole(session, 'clerk')) return <Navigate to="/van-ban-den/dang-ky" replace />;
  if (hasRole(session, 'unit_head', 'specialist')) return <Navigate to="/viec" replace />;
  if (hasRole(session, 'auditor')) return <Navigate to="/tra-cuu" replace />;
  // ADR 0008: running the system does not grant reading its documents; the directory is theirs.
  if (hasRole(session, 'administrator')) return <Navigate to="/quan-tri" replace />;
  return <Navigate to="/van-ban-den" replace />;
}

function Shell({ children }: { children: ReactNode }) {
  const { session, signOut } = useSession();
  useOidcRefresh();
  const person = session!.person;
  const leave = () => {
    const providerLogout = endSessionUrl();
    signOut('Bạn đã đăng xuất.');
    if (providerLogout) window.location.assign(providerLogout);
  };
  return (
    // Lists of documents and tasks update by themselves; an administrator has none (ADR 0008).
    <LiveProvider token={() => session?.token ?? null} enabled={hasRole(session, 'clerk', 'leader', 'secretary', 'unit_head', 'specialist', 'auditor')}>
      <a className="skip" href="#noi-dung">
        Bỏ qua đến nội dung
      </a>
      <header className="top">
        <span className="brand">vanthu · Quản lý văn bản</span>
        <nav aria-label="Chức năng">
          {hasRole(session, 'clerk', 'administrator') && <NavLink to="/van-ban-den/dang-ky" end>Đăng ký văn bản đến</NavLink>}
          {hasRole(session, 'clerk') && <NavLink to="/van-ban-den/nhap-lo">Nhập lô bản quét</NavLink>}
          {hasRole(session, 'clerk', 'leader', 'secretary', 'auditor') && <NavLink to="/van-ban-den" end>Văn bản đến</NavLink>}
          {hasRole(session, 'unit_head', 'specialist') && <NavLink to="/viec">Việc của tôi</NavLink>}
          {hasRole(session, 'leader', 'unit_head', 'auditor') && <NavLink to="/tong-hop">Tổng hợp</NavLink>}
          {hasRole(session, 'auditor', 'clerk', 'leader') && <NavLink to="/tra-cuu">Tra cứu</NavLink>}
          {hasRole(session, 'clerk', 'leader', 'unit_head', 'auditor') && <NavLink to="/ho-so">Hồ sơ</NavLink>}
          {hasRole(session, 'clerk', 'leader', 'secretary', 'auditor') && <NavLink to="/van-ban-di" end>Văn bản đi</NavLink>}
          {hasRole(session, 'clerk') && <NavLink to="/so-dang-ky">Sổ đăng ký</NavLink>}
          {hasRole(session, 'leader', 'clerk') && <NavLink to="/ky-so">Ký số và phát hành</NavLink>}
          {hasRole(session, 'leader', 'secretary') && <NavLink to="/chi-dao" end>Văn bản chờ chỉ đạo</NavLink>}
          {hasRole(session, 'administrator') && <NavLink to="/quan-tri">Quản trị</NavLink>}
        </nav>
        <div className="who">
          <LiveBadge />
          <span>
            <strong>{person.full_name}</strong>
            <span className="muted"> · {person.roles.map((r) => ROLES[r] ?? r).join(', ')}</span>
          </span>
          <button type="button" className="link" onClick={leave}>
            Đăng xuất
          </button>
        </div>
      </header>
      <main id="noi-dung" className="page">
        {children}
      </main>
    </LiveProvider>
  );
}
