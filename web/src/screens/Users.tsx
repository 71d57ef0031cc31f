// User management for admins: add staff accounts, change roles, reset a password, deactivate.
import { useState } from 'react';
import { api, ROLES, type ManagedUser, type Role } from '../api';
import { Badge } from '../components/Badge';
import { DeleteButton } from '../components/ConfirmDialog';
import { FormError, SelectField, TextField } from '../components/Field';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { btn, input, inputOk, panel, panelTitle } from '../components/styles';
import { useNotify } from '../components/Banner';
import { useAction, useFormSubmit } from '../lib/forms';
import { formatDateTime } from '../lib/format';
import { useAsync, useReloadOnChange } from '../lib/hooks';
import { validateUser } from '../lib/validate';
import { useSession } from '../session';

const roleLabel: Record<Role, string> = { admin: 'Admin', doctor: 'Doctor', nurse: 'Nurse', staff: 'Staff' };

export function UsersScreen() {
  const users = useAsync((signal) => api.users.list({ limit: 500 }, signal), []);
  useReloadOnChange(users.reload, (path) => path.startsWith('/api/users'));
  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,4fr)_minmax(0,8fr)]">
      <section className={`${panel} h-fit p-5`} aria-labelledby="add-user-title">
        <h2 id="add-user-title" className={`${panelTitle} mb-4`}>
          Add user
        </h2>
        <UserForm />
      </section>
      <section className={`${panel} p-5`} aria-labelledby="users-title">
        <h2 id="users-title" className={`${panelTitle} mb-4`}>
          Users
        </h2>
        {users.error ? (
          <ErrorState error={users.error} onRetry={users.reload} />
        ) : !users.data ? (
          <LoadingBlock label="Loading users…" />
        ) : users.data.items.length === 0 ? (
          <EmptyState title="No users" />
        ) : (
          <ul className="divide-y divide-slate-100" aria-label="Users">
            {users.data.items.map((u) => (
              <UserRow key={`${u.id}-${u.role}-${u.active}`} user={u} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function UserRow({ user: u }: { user: ManagedUser }) {
  const { user: me } = useSession();
  const [busy, run] = useAction();
  const self = me?.id === u.id;
  const [resetting, setResetting] = useState(false);
  const change = (update: { role?: Role; active?: boolean }, done: string) => run(() => api.users.update(u.id, update), done);

  return (
    <li className="py-3" data-testid="user-row">
    <div className="flex flex-wrap items-center justify-between gap-3">
      <div className="min-w-0">
        <p className="flex flex-wrap items-center gap-2 font-medium text-slate-900">
          {u.name}
          {self && <Badge tone="sky">You</Badge>}
          {!u.active && <Badge tone="red">Deactivated</Badge>}
        </p>
        <p className="break-all text-sm text-slate-600">{u.email}</p>
        <p className="text-xs text-slate-600">
          Last sign-in: {u.last_login_at ? formatDateTime(u.last_login_at) : 'never'}
        </p>
      </div>
      <div className="flex items-center gap-2">
        <label className="sr-only" htmlFor={`role-${u.id}`}>
          Role of {u.name}
        </label>
        <div className="w-28">
        <select
          id={`role-${u.id}`}
          className={`${input} ${inputOk} py-1.5 text-xs`}
          value={u.role}
          disabled={busy || self}
          onChange={(e) => change({ role: e.target.value as Role }, `${u.name} is now ${roleLabel[e.target.value as Role]}.`)}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {roleLabel[r]}
            </option>
          ))}
        </select>
        </div>
        {!self && u.active && (
          <DeleteButton
            what={`of ${u.name}`}
            label="End all sessions"
            detail={<p>They are signed out on every device at once and must sign in again.</p>}
            onDelete={() => run(() => api.users.endSessions(u.id), `Ended every session of ${u.name}.`)}
          />
        )}
        {!self && u.active && (
          <DeleteButton
            what={`two-factor sign-in of ${u.name}`}
            label="Reset two-factor"
            detail={
              <p>
                For a lost phone: their authenticator and recovery codes stop working and they are signed out everywhere. They set
                it up again at their next sign-in if their role requires it.
              </p>
            }
            onDelete={() => run(() => api.users.resetMfa(u.id), `Reset the two-factor sign-in of ${u.name}.`)}
          />
        )}
        {!self &&
          (u.active ? (
            <DeleteButton
              what={`user ${u.name}`}
              label="Deactivate"
              detail={<p>They are signed out at once and can no longer sign in. Their audit trail is kept.</p>}
              onDelete={() => run(() => api.users.deactivate(u.id), `Deactivated ${u.name}.`)}
            />
          ) : (
            <button
              type="button"
              className={`${btn.secondary} ${btn.small}`}
              disabled={busy}
              onClick={() => change({ active: true }, `Reactivated ${u.name}.`)}
            >
              Reactivate
            </button>
          ))}
        {!self && u.active && !resetting && (
          <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={() => setResetting(true)}>
            Reset password
          </button>
        )}
      </div>
    </div>
    {resetting && <ResetPassword user={u} onDone={() => setResetting(false)} />}
    </li>
  );
}

/**
 * Resets another user's password: to one the admin types, or to one the server makes up
 * and shows here once. Every session of the user ends.
 */
function ResetPassword({ user: u, onDone }: { user: ManagedUser; onDone: () => void }) {
  const { form, errors, formError, saving, submit, clearError } = useFormSubmit({ fieldAliases: { new_password: 'password' } });
  const [password, setPassword] = useState('');
  const [made, setMade] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function save() {
    const res = await api.users.resetPassword(u.id, password || undefined);
    setMade(res.password ?? null);
    setDone(true);
  }

  if (done)
    return (
      <div className="mt-3 rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900" role="status">
        <p>
          {u.name}&rsquo;s password is reset and they are signed out everywhere.
          {made ? ' Give them this password; it is shown only once:' : ''}
        </p>
        {made && (
          <p className="mt-2 select-all font-mono text-base" data-testid="made-password">
            {made}
          </p>
        )}
        <button type="button" className={`${btn.secondary} ${btn.small} mt-2`} onClick={onDone}>
          Done
        </button>
      </div>
    );
  return (
    <form
      ref={form}
      noValidate
      aria-label={`Reset the password of ${u.name}`}
      className="mt-3 space-y-3 rounded-lg bg-slate-50 p-3"
      onSubmit={(e) => submit(e, (): Record<string, string> => (password && password.length < 12 ? { password: 'At least 12 characters' } : {}), save)}
    >
      <FormError message={formError} />
      <TextField
        id={`reset-${u.id}`}
        label="New password"
        type="password"
        autoComplete="new-password"
        hint="Leave empty and HMS makes one up, shown once. Their sessions end either way."
        value={password}
        error={errors.password}
        onChange={(e) => {
          setPassword(e.target.value);
          clearError('password');
        }}
      />
      <div className="flex gap-2">
        <button type="submit" className={btn.primary} disabled={saving}>
          {saving ? 'Resetting…' : 'Reset password'}
        </button>
        <button type="button" className={btn.secondary} onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const blankUser = { email: '', name: '', role: 'staff', password: '' };

function UserForm() {
  const notify = useNotify();
  const { form, errors, formError, saving, submit, clearError } = useFormSubmit({ conflictField: 'email' });
  const [values, setValues] = useState(blankUser);

  const set = (key: keyof typeof blankUser, value: string) => {
    setValues({ ...values, [key]: value });
    clearError(key);
  };

  async function save() {
    const created = await api.users.create({
      email: values.email.trim(),
      name: values.name.trim(),
      role: values.role as Role,
      password: values.password,
    });
    setValues(blankUser);
    notify.success(`Added ${created.name} as ${roleLabel[created.role]}.`);
  }

  return (
    <form
      ref={form}
      onSubmit={(e) => submit(e, () => validateUser(values), save)}
      noValidate
      className="space-y-4"
      aria-label="Add user"
    >
      <FormError message={formError} />
      <TextField
        id="user-name"
        label="Name"
        required
        autoComplete="off"
        value={values.name}
        error={errors.name}
        onChange={(e) => set('name', e.target.value)}
      />
      <TextField
        id="user-email"
        label="Email"
        type="email"
        required
        autoComplete="off"
        value={values.email}
        error={errors.email}
        onChange={(e) => set('email', e.target.value)}
      />
      <SelectField
        id="user-role"
        label="Role"
        required
        value={values.role}
        error={errors.role}
        onChange={(e) => set('role', e.target.value)}
      >
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {roleLabel[r]}
          </option>
        ))}
      </SelectField>
      <TextField
        id="user-password"
        label="Initial password"
        type="password"
        required
        autoComplete="new-password"
        hint="At least 12 characters, not the email address."
        value={values.password}
        error={errors.password}
        onChange={(e) => set('password', e.target.value)}
      />
      <button type="submit" className={btn.primary} disabled={saving}>
        {saving ? 'Adding…' : 'Add user'}
      </button>
    </form>
  );
}
