/**
 * Fault and event codes as pushed to provincial platforms (GB/T 24476-2017 style, see
 * DESIGN.md "MQTT contract"), plus this project's own codes (100-105) for alarms that
 * terminals derive themselves. Severity and category are decided here, server-side,
 * never by the device.
 */

export const FAULT_SEVERITIES = ['critical', 'major', 'minor', 'info'] as const;
export type FaultSeverity = (typeof FAULT_SEVERITIES)[number];

/** hazard: equipment fault; mode: operating-mode event; alarm: raised by people or usage; external: cause outside the lift. */
export const FAULT_CATEGORIES = ['hazard', 'mode', 'alarm', 'external'] as const;
export type FaultCategory = (typeof FAULT_CATEGORIES)[number];

export interface FaultCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly nameZh: string;
  readonly severity: FaultSeverity;
  readonly category: FaultCategory;
}

const table = [
  [1, 'safety circuit open while running', '安全回路断路', 'major', 'hazard'],
  [2, 'door-close fault', '关门故障', 'minor', 'hazard'],
  [3, 'door-open fault', '开门故障', 'minor', 'hazard'],
  [4, 'stop outside the door zone', '门区外停梯', 'major', 'hazard'],
  [5, 'unintended car movement / moving with doors open', '轿厢意外移动', 'critical', 'hazard'],
  [6, 'motor run-time limiter tripped', '电动机运转时间限制器动作', 'major', 'hazard'],
  [7, 'floor position lost', '楼层位置丢失', 'major', 'hazard'],
  [8, 'restart-prevention fault', '防止电梯再运行故障', 'major', 'hazard'],
  [40, 'back to normal', '恢复自动', 'info', 'mode'],
  [41, 'mains power off', '主电源断开', 'minor', 'external'],
  [42, 'out of service', '停止服务', 'info', 'mode'],
  [43, 'inspection', '检修', 'info', 'mode'],
  [44, 'fire return', '消防返回', 'info', 'mode'],
  [45, 'firefighter', '消防员', 'info', 'mode'],
  [46, 'emergency power', '应急电源', 'info', 'mode'],
  [47, 'seismic', '地震', 'info', 'mode'],
  [90, 'alarm button', '报警按钮', 'minor', 'alarm'],
  [91, 'bottom overrun', '蹲底', 'critical', 'hazard'],
  [92, 'top overrun', '冲顶', 'critical', 'hazard'],
  [93, 'entrapment (passengers trapped)', '困人', 'critical', 'hazard'],
  [100, 'door-lock circuit open', '门锁回路断路', 'major', 'hazard'],
  [101, 'overspeed', '超速', 'critical', 'hazard'],
  [102, 'levelling error', '平层误差', 'minor', 'hazard'],
  [103, 'brake fault', '制动器故障', 'major', 'hazard'],
  [104, 'repeated door cycling', '反复开关门', 'minor', 'alarm'],
  [105, 'door held open too long', '长时间开门', 'minor', 'alarm'],
] as const satisfies ReadonlyArray<readonly [number, string, string, FaultSeverity, FaultCategory]>;

export type FaultCode = (typeof table)[number][0];

export const FAULT_CODES: ReadonlyMap<number, FaultCodeInfo> = new Map(
  table.map(([code, name, nameZh, severity, category]) => [code, { code, name, nameZh, severity, category }]),
);

export const FAULT_CODE_VALUES = table.map(([code]) => code) as [FaultCode, ...FaultCode[]];

/** The table entry for a known code; callers validate codes with the payload schema first. */
export function faultInfo(code: FaultCode): FaultCodeInfo {
  const info = FAULT_CODES.get(code);
  if (!info) throw new Error(`fault code ${code} is not in the contract table`);
  return info;
}
