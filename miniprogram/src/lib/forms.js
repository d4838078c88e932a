// Field metadata from the generated OpenAPI extract, and the checks we can make before sending.
// The server stays the judge (ID check digits, dates, limits): its 422 `fields` land under the same inputs.
const generated = require('./forms.generated');

function form(name) {
  return generated.forms[name];
}

function options(formName, field) {
  return (form(formName).fields[field].enum || []).map((v) => ({ label: v, value: v }));
}

// Missing required values and pattern/limit mismatches, as { field: message } in plain words.
function check(formName, values, only) {
  const f = form(formName);
  const errors = {};
  for (const key of only || Object.keys(f.fields)) {
    const meta = f.fields[key];
    const v = values[key];
    const empty = v === undefined || v === null || String(v).trim() === '';
    if (empty) {
      if (f.required.includes(key)) errors[key] = `请填写${meta.title}`;
      continue;
    }
    if (meta.type === 'integer') {
      const n = Number(v);
      if (!Number.isInteger(n)) errors[key] = `${meta.title}请填整数`;
      else if (meta.minimum !== undefined && n < meta.minimum) errors[key] = `${meta.title}不能少于 ${meta.minimum}`;
      else if (meta.maximum !== undefined && n > meta.maximum) errors[key] = `${meta.title}不能超过 ${meta.maximum}`;
    } else {
      const s = String(v).trim();
      if (meta.pattern && !new RegExp(meta.pattern).test(s)) errors[key] = `${meta.title}格式不对：${meta.description || ''}`.replace(/[：:]$/, '');
      else if (meta.minLength && s.length < meta.minLength) errors[key] = `${meta.title}至少 ${meta.minLength} 个字`;
      else if (meta.maxLength && s.length > meta.maxLength) errors[key] = `${meta.title}最多 ${meta.maxLength} 个字`;
      else if (meta.enum && !meta.enum.includes(s)) errors[key] = `请选择${meta.title}`;
    }
  }
  return errors;
}

module.exports = { form, options, check, statuses: generated.statuses, labels: generated.labels };
