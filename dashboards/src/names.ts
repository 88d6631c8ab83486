import { FAULT_CODES, SERVICE_MODES, type MAINTENANCE_ACTIONS, type MAINTENANCE_KINDS } from '../../contract/index.js';
import type { TicketEvent } from '../influxql.js';

/** Chinese names for the codes panels show, typed by the contract so none is missing. */

/** Service modes as the provincial platforms name them (DESIGN.md, GB/T 24476 serviceMode). */
const MODE_NAMES: Readonly<Record<keyof typeof SERVICE_MODES, string>> = {
  outOfService: '停止服务',
  normal: '正常',
  inspection: '检修',
  fireReturn: '消防返回',
  firefighter: '消防员',
  emergencyPower: '应急电源',
  seismic: '地震',
  unknown: '未知',
};
export const MODES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SERVICE_MODES).map(([mode, code]) => [String(code), MODE_NAMES[mode as keyof typeof SERVICE_MODES]]),
);

export const FAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  [...FAULT_CODES.values()].map(({ code, nameZh }) => [String(code), `${code} ${nameZh}`]),
);

export const TICKET_EVENTS: Readonly<Record<TicketEvent, string>> = {
  opened: '开单',
  occurrence_added: '再次发生',
  deadline_near: '临近时限',
  acknowledged: '已响应',
  dispatched: '已派工',
  on_site: '已到场',
  resolved: '已解决',
  false_alarm: '误报',
};

export const MAINTENANCE_ACTION_NAMES: Readonly<Record<(typeof MAINTENANCE_ACTIONS)[number], string>> = {
  checkin: '签到',
  checkout: '签退',
};

export const MAINTENANCE_KIND_NAMES: Readonly<Record<(typeof MAINTENANCE_KINDS)[number], string>> = {
  'half-monthly': '半月保养',
  quarterly: '季度保养',
  'semi-annual': '半年保养',
  annual: '年度保养',
  repair: '维修',
};

export const PRESENCE: Readonly<Record<string, string>> = { '0': '离线', '1': '在线' };
