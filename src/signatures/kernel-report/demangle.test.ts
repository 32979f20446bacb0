import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demangle } from './demangle.ts';

test('C++ Itanium names lose their parameters', () => {
  assert.equal(demangle('_Z8fakeNameiii'), 'fakeName');
  assert.equal(demangle('_ZN3foo3barEv'), 'foo::bar');
});

test('Rust v0 paths: crates, nested names, inherent and trait impls, backrefs', () => {
  assert.equal(demangle('_RNvCscSpY9Juk0HT_7___rustc17rust_begin_unwind'), '__rustc::rust_begin_unwind');
  assert.equal(demangle('_RNvMs0_NtCshgDM7dBCdno_11rust_binder4nodeNtB5_4Node22update_refcount_locked'), '<rust_binder::node::Node>::update_refcount_locked');
  assert.equal(demangle('_RNvXs_NtCs1_4core3fmtNtB4_5ErrorNtB4_7Display3fmt'), '<core::fmt::Error as core::fmt::Display>::fmt');
});

test('plain C names and malformed symbols are returned unchanged', () => {
  for (const s of ['ip6_send_skb', '_Z', '_ZN3foo', '_RNv', '_RB9_', '_R' + 'N'.repeat(500)]) assert.equal(demangle(s), s);
});
