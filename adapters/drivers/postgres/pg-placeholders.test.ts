import test from 'ava';
import { questionToDollar } from './pg-placeholders.js';

test('numbers each bare question mark in order', (t) => {
  t.is(questionToDollar('INSERT INTO xp (u, p) VALUES (?, ?)'), 'INSERT INTO xp (u, p) VALUES ($1, $2)');
});

test('leaves question marks in literals, identifiers and comments alone', (t) => {
  const sql = `SELECT '?', 'it''s ?', "a?b" -- why?\nFROM t /* ? */ WHERE x = ?`;
  t.is(questionToDollar(sql), `SELECT '?', 'it''s ?', "a?b" -- why?\nFROM t /* ? */ WHERE x = $1`);
});

test('leaves dollar-quoted bodies and jsonb operators alone', (t) => {
  t.is(questionToDollar('SELECT $fn$ ? $fn$, j ?| ?, j ?& ?'), 'SELECT $fn$ ? $fn$, j ?| $1, j ?& $2');
  t.is(questionToDollar('SELECT $$ ? $$ WHERE a = ?'), 'SELECT $$ ? $$ WHERE a = $1');
});

test('does not take numbered placeholders for dollar quotes', (t) => {
  t.is(questionToDollar('SELECT $1::int, $2 WHERE a = $1'), 'SELECT $1::int, $2 WHERE a = $1');
});
