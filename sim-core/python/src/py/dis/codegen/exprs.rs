//! Expressions and conditions: each `ast::Expr` onto the stack, and the jumps a
//! condition compiles to.

use super::super::flow::{self, Arg, Const};
use super::super::symtable::Kind;
use super::fold::{FPart, Percent, binop_arg, fold, negated_compare, percent_format, push_lit};
use super::{Gen, NameCtx, R, STACK_USE_GUIDELINE, unsupported};
use ruff_python_ast::{self as ast};
use ruff_text_size::Ranged;

impl<'a, 't> Gen<'a, 't> {
    // ------------------------------------------------------------ conditions

    /// CPython's `compiler_jump_if`: jump to `next` if `e`'s truth is `cond`.
    pub(super) fn jump_if(&mut self, e: &'a ast::Expr, next: usize, cond: bool) -> R {
        let saved = self.u().line;
        self.set_line(e.range().start());
        match e {
            // (`not a in b` is `a not in b` to CPython's AST optimizer: compiled as a compare.)
            ast::Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not && fold(e).is_none() && !negated_compare(&u.operand) => {
                self.jump_if(&u.operand, next, !cond)?;
            }
            ast::Expr::BoolOp(b) => {
                let or = b.op == ast::BoolOp::Or;
                let next2 = if or != cond { self.new_block() } else { next };
                let n = b.values.len() - 1;
                for v in &b.values[..n] {
                    self.jump_if(v, next2, or)?;
                }
                self.jump_if(&b.values[n], next, cond)?;
                if next2 != next {
                    self.use_next_block(next2);
                }
            }
            ast::Expr::If(i) => {
                let end = self.new_block();
                let next2 = self.new_block();
                self.jump_if(&i.test, next2, false)?;
                self.jump_if(&i.body, next, cond)?;
                self.jump_noline("JUMP", end);
                self.use_next_block(next2);
                self.jump_if(&i.orelse, next, cond)?;
                self.use_next_block(end);
            }
            ast::Expr::Compare(c) if c.ops.len() > 1 => {
                let cleanup = self.new_block();
                self.expr(&c.left)?;
                let n = c.ops.len() - 1;
                for i in 0..n {
                    self.expr(&c.comparators[i])?;
                    self.set_line(e.range().start());
                    self.addop_i("SWAP", 2);
                    self.addop_i("COPY", 2);
                    self.compare_op(c.ops[i]);
                    self.jump("POP_JUMP_IF_FALSE", cleanup);
                }
                self.comparator(&c.comparators[n], c.ops[n])?;
                self.set_line(e.range().start());
                self.compare_op(c.ops[n]);
                self.jump(if cond { "POP_JUMP_IF_TRUE" } else { "POP_JUMP_IF_FALSE" }, next);
                let end = self.new_block();
                self.jump_noline("JUMP", end);
                self.use_next_block(cleanup);
                self.addop("POP_TOP");
                if !cond {
                    self.jump_noline("JUMP", next);
                }
                self.use_next_block(end);
            }
            _ => {
                self.expr(e)?;
                self.set_line(e.range().start());
                self.jump(if cond { "POP_JUMP_IF_TRUE" } else { "POP_JUMP_IF_FALSE" }, next);
            }
        }
        self.u().line = saved;
        Ok(())
    }

    pub(super) fn compare_op(&mut self, op: ast::CmpOp) {
        use ast::CmpOp as C;
        match op {
            C::Is => self.addop_i("IS_OP", 0),
            C::IsNot => self.addop_i("IS_OP", 1),
            C::In => self.addop_i("CONTAINS_OP", 0),
            C::NotIn => self.addop_i("CONTAINS_OP", 1),
            C::Lt => self.addop_i("COMPARE_OP", 0),
            C::LtE => self.addop_i("COMPARE_OP", 1),
            C::Eq => self.addop_i("COMPARE_OP", 2),
            C::NotEq => self.addop_i("COMPARE_OP", 3),
            C::Gt => self.addop_i("COMPARE_OP", 4),
            C::GtE => self.addop_i("COMPARE_OP", 5),
        }
    }

    // ------------------------------------------------------------ expressions

    pub(super) fn expr(&mut self, e: &'a ast::Expr) -> R {
        let saved = self.u().line;
        self.set_line(e.range().start());
        let r = self.expr_inner(e);
        self.u().line = saved;
        r
    }

    pub(super) fn expr_inner(&mut self, e: &'a ast::Expr) -> R {
        let line = self.line_of(e.range().start());
        if let Some(c) = fold(e) {
            self.load_const(c);
            return Ok(());
        }
        match e {
            ast::Expr::BoolOp(b) => {
                let end = self.new_block();
                let op = if b.op == ast::BoolOp::And { "JUMP_IF_FALSE_OR_POP" } else { "JUMP_IF_TRUE_OR_POP" };
                let n = b.values.len() - 1;
                for v in &b.values[..n] {
                    self.expr(v)?;
                    self.jump(op, end);
                    self.next_block();
                }
                self.expr(&b.values[n])?;
                self.use_next_block(end);
            }
            ast::Expr::Named(n) => {
                self.expr(&n.value)?;
                self.addop_i("COPY", 1);
                self.target(&n.target, NameCtx::Store)?;
            }
            ast::Expr::BinOp(b)
                if b.op == ast::Operator::Mod
                    && let (Some(Const::Str(fmt)), ast::Expr::Tuple(t)) = (fold(&b.left), &*b.right)
                    && fold(&b.right).is_none()
                    && !t.elts.iter().any(|x| matches!(x, ast::Expr::Starred(_)))
                    && let Some(parts) = percent_format(&fmt, t.elts.len()) =>
            {
                // CPython's AST optimizer turns `'%s' % (x,)` into an f-string.
                // The made-up constants have no line; each FORMAT_VALUE is at its item's.
                let n = parts.len();
                let whole = self.u().line;
                for p in parts {
                    match p {
                        Percent::Lit(l) => {
                            self.u().line = None;
                            self.load_const(Const::Str(l));
                        }
                        Percent::Arg { index, conv, spec } => {
                            let item = &t.elts[index];
                            self.expr(item)?;
                            let at = self.line_of(item.range().start());
                            let mut arg = conv;
                            if let Some(sp) = spec {
                                self.u().line = None;
                                self.load_const(Const::Str(sp));
                                arg |= 4;
                            }
                            self.u().line = Some(at);
                            self.addop_i("FORMAT_VALUE", arg);
                        }
                    }
                }
                self.u().line = whole;
                if n != 1 {
                    self.addop_i("BUILD_STRING", n as u32);
                }
            }
            ast::Expr::BinOp(b) => {
                self.expr(&b.left)?;
                self.expr(&b.right)?;
                self.addop_i("BINARY_OP", binop_arg(b.op));
            }
            ast::Expr::UnaryOp(u) => {
                // `not a in b` is `a not in b`, `not a is b` is `a is not b`.
                if u.op == ast::UnaryOp::Not
                    && negated_compare(&u.operand)
                    && let ast::Expr::Compare(c) = &*u.operand
                {
                    let flipped = match c.ops[0] {
                        ast::CmpOp::In => ast::CmpOp::NotIn,
                        ast::CmpOp::NotIn => ast::CmpOp::In,
                        ast::CmpOp::Is => ast::CmpOp::IsNot,
                        _ => ast::CmpOp::Is,
                    };
                    self.expr(&c.left)?;
                    self.comparator(&c.comparators[0], flipped)?;
                    self.compare_op(flipped);
                    return Ok(());
                }
                self.expr(&u.operand)?;
                self.addop(match u.op {
                    ast::UnaryOp::Invert => "UNARY_INVERT",
                    ast::UnaryOp::Not => "UNARY_NOT",
                    ast::UnaryOp::UAdd => "UNARY_POSITIVE",
                    ast::UnaryOp::USub => "UNARY_NEGATIVE",
                });
            }
            ast::Expr::Lambda(l) => {
                let flags = match &l.parameters {
                    Some(p) => self.defaults(p)?,
                    None => 0,
                };
                let scope = self.table.scope_of(e);
                let qualname = self.qualname("<lambda>");
                self.enter(scope, Kind::Lambda, "<lambda>".into(), qualname, line);
                self.add_const(Const::None);
                let r = self.expr(&l.body);
                if r.is_ok() {
                    self.addop("RETURN_VALUE");
                }
                let unit = self.finish(r);
                self.make_closure(unit, flags);
            }
            ast::Expr::If(i) => {
                let end = self.new_block();
                let next = self.new_block();
                self.jump_if(&i.test, next, false)?;
                self.expr(&i.body)?;
                self.jump_noline("JUMP", end);
                self.use_next_block(next);
                self.expr(&i.orelse)?;
                self.use_next_block(end);
            }
            ast::Expr::Dict(d) if d.items.iter().any(|i| i.key.is_none()) && d.items.len() <= 15 => {
                // `{**a, 'k': v}` (`compiler_dict`): the keyed runs built as sub-dicts, each
                // `**` mapping merged in with DICT_UPDATE.
                let mut have_dict = false;
                let mut run: Vec<(&'a ast::Expr, &'a ast::Expr)> = Vec::new();
                for item in &d.items {
                    match &item.key {
                        Some(k) => run.push((k, &item.value)),
                        None => {
                            if !run.is_empty() {
                                self.subdict(&std::mem::take(&mut run))?;
                                if have_dict {
                                    self.addop_i("DICT_UPDATE", 1);
                                }
                                have_dict = true;
                            }
                            if !have_dict {
                                self.addop_i("BUILD_MAP", 0);
                                have_dict = true;
                            }
                            self.expr(&item.value)?;
                            self.addop_i("DICT_UPDATE", 1);
                        }
                    }
                }
                if !run.is_empty() {
                    self.subdict(&run)?;
                    self.addop_i("DICT_UPDATE", 1);
                }
            }
            ast::Expr::Dict(d) => {
                if d.items.iter().any(|i| i.key.is_none()) {
                    return unsupported(line, "'**' in a dict display");
                }
                // CPython builds a long display in chunks this does not copy yet.
                if d.items.len() > 15 {
                    return unsupported(line, "a dict display of more than 15 items");
                }
                let items: Vec<(&'a ast::Expr, &'a ast::Expr)> =
                    d.items.iter().map(|i| (i.key.as_ref().expect("a key"), &i.value)).collect();
                let mut have_dict = false;
                let mut begin = 0;
                let mut elements = 0;
                for i in 0..items.len() {
                    if elements * 2 > STACK_USE_GUIDELINE {
                        self.subdict(&items[begin..i])?;
                        if have_dict {
                            self.addop_i("DICT_UPDATE", 1);
                        }
                        have_dict = true;
                        elements = 0;
                        begin = i;
                    }
                    elements += 1;
                }
                if elements > 0 {
                    self.subdict(&items[begin..])?;
                    if have_dict {
                        self.addop_i("DICT_UPDATE", 1);
                    }
                    have_dict = true;
                }
                if !have_dict {
                    self.addop_i("BUILD_MAP", 0);
                }
            }
            ast::Expr::Set(s) => self.starunpack(&s.elts, "BUILD_SET", "SET_UPDATE", false, line)?,
            ast::Expr::List(l) => self.starunpack(&l.elts, "BUILD_LIST", "LIST_EXTEND", false, line)?,
            ast::Expr::Tuple(t) => self.starunpack(&t.elts, "BUILD_LIST", "LIST_EXTEND", true, line)?,
            ast::Expr::ListComp(c) => {
                self.comprehension(e, "<listcomp>", &c.generators, &[&c.elt], Some(("BUILD_LIST", "LIST_APPEND")))?
            }
            ast::Expr::SetComp(c) => {
                self.comprehension(e, "<setcomp>", &c.generators, &[&c.elt], Some(("BUILD_SET", "SET_ADD")))?
            }
            ast::Expr::DictComp(c) => {
                let Some(key) = &c.key else { return unsupported(line, "'**' in a dict comprehension") };
                self.comprehension(e, "<dictcomp>", &c.generators, &[key, &c.value], Some(("BUILD_MAP", "MAP_ADD")))?;
            }
            ast::Expr::Generator(c) => self.comprehension(e, "<genexpr>", &c.generators, &[&c.elt], None)?,
            ast::Expr::Await(_) if self.u().kind == Kind::Comprehension => {
                return unsupported(line, "await in a comprehension");
            }
            ast::Expr::Await(a) => {
                self.expr(&a.value)?;
                self.addop_i("GET_AWAITABLE", 0);
                self.load_const(Const::None);
                self.yield_from(true);
            }
            ast::Expr::Yield(y) => {
                match &y.value {
                    Some(v) => self.expr(v)?,
                    None => self.load_const(Const::None),
                }
                if self.table.scopes[self.u().scope].async_generator {
                    self.addop("ASYNC_GEN_WRAP");
                }
                self.addop("YIELD_VALUE");
                self.addop_i("RESUME", 1);
            }
            ast::Expr::YieldFrom(y) => {
                self.expr(&y.value)?;
                self.addop("GET_YIELD_FROM_ITER");
                self.load_const(Const::None);
                self.yield_from(false);
            }
            ast::Expr::Compare(c) => {
                self.expr(&c.left)?;
                let n = c.ops.len() - 1;
                if n == 0 {
                    self.comparator(&c.comparators[0], c.ops[0])?;
                    self.compare_op(c.ops[0]);
                } else {
                    let cleanup = self.new_block();
                    for i in 0..n {
                        self.expr(&c.comparators[i])?;
                        self.addop_i("SWAP", 2);
                        self.addop_i("COPY", 2);
                        self.compare_op(c.ops[i]);
                        self.jump("JUMP_IF_FALSE_OR_POP", cleanup);
                        self.next_block();
                    }
                    self.comparator(&c.comparators[n], c.ops[n])?;
                    self.compare_op(c.ops[n]);
                    let end = self.new_block();
                    self.jump_noline("JUMP", end);
                    self.use_next_block(cleanup);
                    self.addop_i("SWAP", 2);
                    self.addop("POP_TOP");
                    self.use_next_block(end);
                }
            }
            ast::Expr::Call(c) => self.call(c, e)?,
            ast::Expr::FString(f) => {
                let mut parts: Vec<FPart<'a>> = Vec::new();
                for p in f.value.iter() {
                    match p {
                        ast::FStringPart::Literal(l) => push_lit(&mut parts, &l.value),
                        ast::FStringPart::FString(fs) => {
                            for el in fs.elements.iter() {
                                match el {
                                    ast::InterpolatedStringElement::Literal(l) => push_lit(&mut parts, &l.value),
                                    ast::InterpolatedStringElement::Interpolation(i) => {
                                        if i.debug_text.is_some() {
                                            return unsupported(line, "f-string '=' specifier");
                                        }
                                        parts.push(FPart::Value(i));
                                    }
                                }
                            }
                        }
                    }
                }
                self.fparts(&parts, line)?;
            }
            ast::Expr::StringLiteral(_)
            | ast::Expr::BytesLiteral(_)
            | ast::Expr::NumberLiteral(_)
            | ast::Expr::BooleanLiteral(_)
            | ast::Expr::NoneLiteral(_)
            | ast::Expr::EllipsisLiteral(_) => {
                return unsupported(line, "this constant");
            }
            ast::Expr::Attribute(a) => {
                self.expr(&a.value)?;
                self.set_line(e.range().start());
                self.addop_name("LOAD_ATTR", a.attr.as_str());
            }
            ast::Expr::Subscript(s) => {
                self.expr(&s.value)?;
                self.slice_or_index(&s.slice)?;
                self.set_line(e.range().start());
                self.addop("BINARY_SUBSCR");
            }
            ast::Expr::Starred(_) => return unsupported(line, "a starred expression here"),
            ast::Expr::Name(n) => self.nameop(n.id.as_str(), NameCtx::Load),
            ast::Expr::Slice(_) => return unsupported(line, "a slice here"),
            ast::Expr::TString(_) => return unsupported(line, "a template string"),
            ast::Expr::IpyEscapeCommand(_) => return unsupported(line, "an IPython escape"),
        }
        Ok(())
    }

    pub(super) fn fparts(&mut self, parts: &[FPart<'a>], line: u32) -> R {
        if parts.len() > STACK_USE_GUIDELINE {
            return unsupported(line, "a very long f-string");
        }
        for p in parts {
            match p {
                FPart::Lit(s) => self.load_const(Const::Str(s.clone())),
                FPart::Value(i) => {
                    self.expr(&i.expression)?;
                    let mut arg = match i.conversion {
                        ast::ConversionFlag::None => 0,
                        ast::ConversionFlag::Str => 1,
                        ast::ConversionFlag::Repr => 2,
                        ast::ConversionFlag::Ascii => 3,
                    };
                    if let Some(spec) = &i.format_spec {
                        let mut sp: Vec<FPart<'a>> = Vec::new();
                        for el in spec.elements.iter() {
                            match el {
                                ast::InterpolatedStringElement::Literal(l) => push_lit(&mut sp, &l.value),
                                ast::InterpolatedStringElement::Interpolation(i) => sp.push(FPart::Value(i)),
                            }
                        }
                        if sp.is_empty() {
                            sp.push(FPart::Lit(String::new()));
                        }
                        self.fparts(&sp, line)?;
                        arg |= 4;
                    }
                    self.addop_i("FORMAT_VALUE", arg);
                }
            }
        }
        if parts.len() != 1 {
            self.addop_i("BUILD_STRING", parts.len() as u32);
        }
        Ok(())
    }

    pub(super) fn subdict(&mut self, items: &[(&'a ast::Expr, &'a ast::Expr)]) -> R {
        let n = items.len();
        let keys: Option<Vec<Const>> = items.iter().map(|(k, _)| fold(k)).collect();
        match keys {
            Some(keys) if n > 1 => {
                for (_, v) in items {
                    self.expr(v)?;
                }
                self.load_const(Const::Tuple(keys));
                self.addop_i("BUILD_CONST_KEY_MAP", n as u32);
            }
            _ => {
                for (k, v) in items {
                    self.expr(k)?;
                    self.expr(v)?;
                }
                self.addop_i("BUILD_MAP", n as u32);
            }
        }
        Ok(())
    }

    pub(super) fn starunpack(
        &mut self,
        elts: &'a [ast::Expr],
        build: &'static str,
        extend: &'static str,
        tuple: bool,
        line: u32,
    ) -> R {
        let add = if build == "BUILD_SET" { "SET_ADD" } else { "LIST_APPEND" };
        self.starunpack_helper(elts, 0, build, add, extend, tuple, line)
    }

    /// CPython's `starunpack_helper`: a display (or a call's positional arguments) with
    /// `pushed` items already on the stack.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn starunpack_helper(
        &mut self,
        elts: &'a [ast::Expr],
        pushed: u32,
        build: &'static str,
        add: &'static str,
        extend: &'static str,
        tuple: bool,
        line: u32,
    ) -> R {
        let n = elts.len();
        if n > 2
            && let Some(items) = elts.iter().map(fold).collect::<Option<Vec<_>>>()
        {
            if tuple && pushed == 0 {
                self.load_const(Const::Tuple(items));
            } else {
                let folded = if build == "BUILD_SET" {
                    match flow::frozenset(items) {
                        Some(f) => f,
                        None => {
                            return unsupported(
                                line,
                                "a set of constants whose order in CPython depends on PYTHONHASHSEED (strings, None)",
                            );
                        }
                    }
                } else {
                    Const::Tuple(items)
                };
                self.addop_i(build, pushed);
                self.load_const(folded);
                self.addop_i(extend, 1);
                if tuple {
                    self.addop("LIST_TO_TUPLE");
                }
            }
            return Ok(());
        }
        let big = n + pushed as usize > STACK_USE_GUIDELINE;
        let seen_star = elts.iter().any(|e| matches!(e, ast::Expr::Starred(_)));
        if !seen_star && !big {
            for e in elts {
                self.expr(e)?;
            }
            self.addop_i(if tuple { "BUILD_TUPLE" } else { build }, n as u32 + pushed);
            return Ok(());
        }
        let mut built = false;
        if big {
            self.addop_i(build, pushed);
            built = true;
        }
        for (i, e) in elts.iter().enumerate() {
            if let ast::Expr::Starred(st) = e {
                if !built {
                    self.addop_i(build, i as u32 + pushed);
                    built = true;
                }
                self.expr(&st.value)?;
                self.addop_i(extend, 1);
            } else {
                self.expr(e)?;
                if built {
                    self.addop_i(add, 1);
                }
            }
        }
        if tuple {
            self.addop("LIST_TO_TUPLE");
        }
        Ok(())
    }

    pub(super) fn slice_or_index(&mut self, s: &'a ast::Expr) -> R {
        if let ast::Expr::Slice(sl) = s {
            let mut n = 2;
            match &sl.lower {
                Some(x) => self.expr(x)?,
                None => self.load_const(Const::None),
            }
            match &sl.upper {
                Some(x) => self.expr(x)?,
                None => self.load_const(Const::None),
            }
            if let Some(x) = &sl.step {
                self.expr(x)?;
                n = 3;
            }
            self.addop_i("BUILD_SLICE", n);
            return Ok(());
        }
        self.expr(s)
    }

    pub(super) fn call(&mut self, c: &'a ast::ExprCall, e: &'a ast::Expr) -> R {
        let line = self.line_of(e.range().start());
        let args: Vec<&'a ast::Expr> = c.arguments.args.iter().collect();
        let kws: Vec<&'a ast::Keyword> = c.arguments.keywords.iter().collect();
        // maybe_optimize_method_call
        if let ast::Expr::Attribute(a) = &*c.func
            && a.ctx == ast::ExprContext::Load
            && !args.iter().any(|x| matches!(x, ast::Expr::Starred(_)))
            && !kws.iter().any(|k| k.arg.is_none())
            && args.len() + kws.len() + usize::from(!kws.is_empty()) < STACK_USE_GUIDELINE
            && !matches!(&*a.value, ast::Expr::Name(n) if self.imported.contains(n.id.as_str()) )
        {
            self.expr(&a.value)?;
            // LOAD_METHOD through CALL are at the attribute's last line.
            let attr_line = self.line_of(a.range().end());
            self.u().line = Some(attr_line);
            self.addop_name("LOAD_METHOD", a.attr.as_str());
            for x in &args {
                self.expr(x)?;
            }
            for k in &kws {
                self.expr(&k.value)?;
            }
            if !kws.is_empty() {
                let names = kws.iter().map(|k| Const::Str(k.arg.as_ref().expect("named").to_string())).collect();
                let i = self.add_const(Const::Tuple(names));
                self.addop_i("KW_NAMES", i);
            }
            let n = (args.len() + kws.len()) as u32;
            self.addop_i("PRECALL", n);
            self.addop_i("CALL", n);
            return Ok(());
        }
        self.set_line(c.func.range().start());
        self.addop("PUSH_NULL");
        self.set_line(e.range().start());
        self.expr(&c.func)?;
        self.call_helper(0, &c.arguments.args, &c.arguments.keywords, line)
    }

    pub(super) fn call_helper(&mut self, pushed: u32, args: &'a [ast::Expr], kws: &'a [ast::Keyword], line: u32) -> R {
        if args.iter().any(|x| matches!(x, ast::Expr::Starred(_)))
            || kws.iter().any(|k| k.arg.is_none())
            || args.len() + 2 * kws.len() > STACK_USE_GUIDELINE
        {
            return self.call_ex(pushed, args, kws, line);
        }
        for x in args {
            self.expr(x)?;
        }
        for k in kws {
            self.expr(&k.value)?;
        }
        self.u().line = Some(line);
        if !kws.is_empty() {
            let names = kws.iter().map(|k| Const::Str(k.arg.as_ref().expect("named").to_string())).collect();
            let i = self.add_const(Const::Tuple(names));
            self.addop_i("KW_NAMES", i);
        }
        let n = pushed + (args.len() + kws.len()) as u32;
        self.addop_i("PRECALL", n);
        self.addop_i("CALL", n);
        Ok(())
    }

    /// The call with `*args` or `**kwargs`: a tuple and a dict, then CALL_FUNCTION_EX.
    pub(super) fn call_ex(&mut self, pushed: u32, args: &'a [ast::Expr], kws: &'a [ast::Keyword], line: u32) -> R {
        if pushed == 0
            && args.len() == 1
            && let ast::Expr::Starred(st) = &args[0]
        {
            self.expr(&st.value)?;
        } else {
            self.starunpack_helper(args, pushed, "BUILD_LIST", "LIST_APPEND", "LIST_EXTEND", true, line)?;
        }
        if !kws.is_empty() {
            let mut have_dict = false;
            let mut seen = 0;
            for (i, k) in kws.iter().enumerate() {
                if k.arg.is_none() {
                    if seen > 0 {
                        self.subkwargs(&kws[i - seen..i])?;
                        if have_dict {
                            self.addop_i("DICT_MERGE", 1);
                        }
                        have_dict = true;
                        seen = 0;
                    }
                    if !have_dict {
                        self.addop_i("BUILD_MAP", 0);
                        have_dict = true;
                    }
                    self.expr(&k.value)?;
                    self.addop_i("DICT_MERGE", 1);
                } else {
                    seen += 1;
                }
            }
            if seen > 0 {
                self.subkwargs(&kws[kws.len() - seen..])?;
                if have_dict {
                    self.addop_i("DICT_MERGE", 1);
                }
            }
        }
        self.u().line = Some(line);
        self.addop_i("CALL_FUNCTION_EX", u32::from(!kws.is_empty()));
        Ok(())
    }

    pub(super) fn subkwargs(&mut self, kws: &'a [ast::Keyword]) -> R {
        let n = kws.len();
        let big = n * 2 > STACK_USE_GUIDELINE;
        if n > 1 && !big {
            for k in kws {
                self.expr(&k.value)?;
            }
            self.load_const(Const::Tuple(
                kws.iter().map(|k| Const::Str(k.arg.as_ref().map_or_else(String::new, |a| a.to_string()))).collect(),
            ));
            self.addop_i("BUILD_CONST_KEY_MAP", n as u32);
            return Ok(());
        }
        if big {
            self.addop_i("BUILD_MAP", 0);
        }
        for k in kws {
            self.load_const(Const::Str(k.arg.as_ref().map_or_else(String::new, |a| a.to_string())));
            self.expr(&k.value)?;
            if big {
                self.addop_i("MAP_ADD", 1);
            }
        }
        if !big {
            self.addop_i("BUILD_MAP", n as u32);
        }
        Ok(())
    }

    pub(super) fn comprehension(
        &mut self,
        e: &'a ast::Expr,
        name: &str,
        gens: &'a [ast::Comprehension],
        elts: &[&'a ast::Expr],
        kind: Option<(&'static str, &'static str)>,
    ) -> R {
        let line = self.line_of(e.range().start());
        if gens.iter().any(|g| g.is_async) {
            return unsupported(line, "an async comprehension");
        }
        let scope = self.table.scope_of(e);
        let qualname = self.qualname(name);
        self.enter(scope, Kind::Comprehension, name.to_owned(), qualname, line);
        if let Some((build, _)) = kind {
            self.addop_i(build, 0);
        }
        let r = self.comp_generator(gens, 0, 0, elts, kind);
        if r.is_ok() && kind.is_some() {
            self.addop("RETURN_VALUE");
        }
        let unit = self.finish(r);
        self.make_closure(unit, 0);
        self.iterable(&gens[0].iter)?;
        self.u().line = Some(line);
        self.addop("GET_ITER");
        self.addop_i("PRECALL", 0);
        self.addop_i("CALL", 0);
        Ok(())
    }

    pub(super) fn comp_generator(
        &mut self,
        gens: &'a [ast::Comprehension],
        index: usize,
        mut depth: u32,
        elts: &[&'a ast::Expr],
        kind: Option<(&'static str, &'static str)>,
    ) -> R {
        let g = &gens[index];
        let mut start = Some(self.new_block());
        let if_cleanup = self.new_block();
        let anchor = self.new_block();
        if index == 0 {
            self.emit("LOAD_FAST", Arg::Local(0), None);
        } else if let ast::Expr::List(ast::ExprList { elts: one, .. })
        | ast::Expr::Tuple(ast::ExprTuple { elts: one, .. }) = &g.iter
            && one.len() == 1
            && !matches!(one[0], ast::Expr::Starred(_))
            && fold(&g.iter).is_none()
        {
            self.expr(&one[0])?;
            start = None;
        } else {
            self.iterable(&g.iter)?;
            self.addop("GET_ITER");
        }
        if let Some(s) = start {
            depth += 1;
            self.use_next_block(s);
            self.jump("FOR_ITER", anchor);
        }
        self.next_block();
        self.target(&g.target, NameCtx::Store)?;
        for c in &g.ifs {
            self.jump_if(c, if_cleanup, false)?;
            self.next_block();
        }
        if index + 1 < gens.len() {
            self.comp_generator(gens, index + 1, depth, elts, kind)?;
        } else {
            match kind {
                None => {
                    self.expr(elts[0])?;
                    self.addop("YIELD_VALUE");
                    self.addop_i("RESUME", 1);
                    self.addop("POP_TOP");
                }
                Some((_, add)) => {
                    for x in elts {
                        self.expr(x)?;
                    }
                    self.addop_i(add, depth + 1);
                }
            }
        }
        self.use_next_block(if_cleanup);
        if let Some(s) = start {
            self.jump("JUMP", s);
            self.use_next_block(anchor);
        }
        Ok(())
    }
}
