import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { csvField, formsXlsx, neutralise, toCsv } from '../../reports/spreadsheet.js';
import { readXlsx, sheetRows } from '../helpers/xlsx.js';

describe('text that could run as a formula', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")'],
    ["+cmd|' /C calc'!A0"],
    ['-2+3'],
    ['@SUM(A1:A9)'],
    ['\t=1+1'],
    ['\r=1+1'],
    ['\tplain after a tab'],
    ['\rplain after a CR'],
    ['  =1+1'],
    ['\u3000=1+1'],
    ['\u00A0+1'],
    ['\u200B=1+1'],
    ['\uFEFF@SUM(1)'],
    ['＝1+1'],
    ['＋1'],
    ['－1'],
    ['＠SUM(1)'],
    ['-A1'],
    ['-5'],
  ])('%j goes behind a single quote', (text) => {
    expect(neutralise(text)).toBe(`'${text}`);
  });

  it.each([['渝中区'], ['UU-A'], ['a=1+1'], ['1+1'], ["'=1+1"], [''], ['物业 - 东区'], ['(+86) 023']])(
    '%j stays as it is',
    (text) => {
      expect(neutralise(text)).toBe(text);
    },
  );

  it('leaves numbers numbers, negative ones too, in CSV and XLSX', async () => {
    expect([-5, -0.25, 0, 12.5].map(csvField)).toEqual(['-5', '-0.25', '0', '12.5']);
    const workbook = await readXlsx(
      await formsXlsx([['t', { above: [], header: ['a', 'b'], rows: [[-12.5, '-12.5']], below: [] }]]),
    );
    const cell = (workbook.getWorksheet('t') as ExcelJS.Worksheet).getCell('A2');
    expect([cell.type, cell.value]).toEqual([ExcelJS.ValueType.Number, -12.5]);
    expect(sheetRows(workbook, 't')[1]).toEqual([-12.5, "'-12.5"]);
  });

  it('writes XLSX text as text, never a formula, and every CSV record as wide as the widest', async () => {
    const workbook = await readXlsx(
      await formsXlsx([['t', { above: [['=1+1']], header: ['@h'], rows: [['+1']], below: [['-1']] }]]),
    );
    const cells: ExcelJS.Cell[] = [];
    workbook.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((one) => void cells.push(one))));
    expect(cells.map((one) => [one.type, one.value])).toEqual([
      [ExcelJS.ValueType.String, "'=1+1"],
      [ExcelJS.ValueType.String, "'@h"],
      [ExcelJS.ValueType.String, "'+1"],
      [ExcelJS.ValueType.String, "'-1"],
    ]);
    expect(parse(toCsv([['a'], ['b', 'c', 3]]), { bom: true })).toEqual([
      ['a', '', ''],
      ['b', 'c', '3'],
    ]);
  });

  it('quotes a field with a semicolon, so Excel with ; as its separator keeps it one cell', () => {
    expect(csvField('人保;=1+1')).toBe('"人保;=1+1"');
    expect(csvField('a,"b"')).toBe('"a,""b"""');
  });
});
