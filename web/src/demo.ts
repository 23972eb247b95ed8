// The demo directory offered on an empty agency by the dev sign-in page: one person per role of
// the glossary, three units, the secretary's delegation and the rule that presents every
// incoming document to the leader with the planning office leading.

export const DEMO_AGENCY = '000.00.00.G22';

export const DEMO_DIRECTORY_CSV = [
  'kind,id,name,parent_unit_id,unit_id,position,email,roles',
  'unit,van-phong,Văn phòng,,,,,',
  'unit,phong-ke-hoach,Phòng Kế hoạch,,,,,',
  'unit,phong-tai-chinh,Phòng Tài chính,,,,,',
  'user,vanthu1,Đặng Thị Lan,,van-phong,Văn thư,,clerk',
  'user,lanhdao1,Nguyễn Văn An,,,Giám đốc,,leader',
  'user,thuky1,Trần Thị Bình,,van-phong,Thư ký Giám đốc,,secretary',
  'user,truongphong1,Lê Văn Cường,,phong-ke-hoach,Trưởng phòng Kế hoạch,,unit_head',
  'user,truongphong2,Phạm Thị Dung,,phong-tai-chinh,Trưởng phòng Tài chính,,unit_head',
  'user,chuyenvien1,Hoàng Văn Em,,phong-ke-hoach,Chuyên viên,,specialist',
  'user,kiemtra1,Vũ Thị Hoa,,van-phong,Cán bộ lưu trữ,,auditor',
  'user,quantri1,Phan Văn Khoa,,van-phong,Quản trị hệ thống,,administrator',
].join('\n');

export const DEMO_USER_IDS = DEMO_DIRECTORY_CSV.split('\n')
  .filter((row) => row.startsWith('user,'))
  .map((row) => row.split(',')[1]);

export const DEMO_DELEGATION = {
  delegation_id: 'uy-quyen-thuky1',
  leader_user_id: 'lanhdao1',
  secretary_user_id: 'thuky1',
  valid_from: '2020-01-01T00:00:00+07:00',
};

export const DEMO_RULES = {
  default: { leader_user_id: 'lanhdao1', lead_unit_id: 'phong-ke-hoach' },
  rules: [],
};

/** Who the sign-in page signs in as to read the directory: an administrator, whom routing
 * trusts from the token alone (ADR 0023), so an empty directory can be read and filled. */
export const DIRECTORY_READER = { user_id: 'dev-directory', roles: ['administrator'], full_name: 'Đăng nhập thử nghiệm' };
