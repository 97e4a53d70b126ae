import { h, field } from '../dom.js';
import { register, signIn } from '../session.js';

// Sign in, or register and sign in. The server's answer is shown as it came (wrong password, name taken…).
export function renderSignIn(container, { onSignedIn, message }) {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: 32 });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 128 });
  const error = h('p', { role: 'alert', class: 'error' });
  const notice = h('p', { role: 'status', class: 'notice' }, message ?? '');
  const signInButton = h('button', { type: 'submit' }, 'Sign in');
  const registerButton = h('button', { type: 'button', class: 'secondary' }, 'Register');

  async function run(action) {
    error.textContent = '';
    if (!username.value.trim() || !password.value) {
      error.textContent = 'Enter a username and a password.';
      return;
    }
    signInButton.disabled = registerButton.disabled = true;
    try {
      await action(username.value.trim(), password.value);
      await onSignedIn();
    } catch (failure) {
      error.textContent = failure.message;
      signInButton.disabled = registerButton.disabled = false;
    }
  }

  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'signin-title', novalidate: true,
    onsubmit: (event) => { event.preventDefault(); run(signIn); } },
    h('h2', { id: 'signin-title' }, 'Sign in'),
    notice,
    field('Username', username),
    field('Password', password, 'New here? Choose a username (3–32 letters, digits, . _ -) and a password of at least 8 characters, then Register.'),
    error,
    h('div', { class: 'actions' }, signInButton, registerButton));
  registerButton.addEventListener('click', () => run(async (name, secret) => { await register(name, secret); await signIn(name, secret); }));
  container.replaceChildren(form);
  username.focus();
}
