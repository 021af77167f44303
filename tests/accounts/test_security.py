"""Sign-in security: lockout, password policy, password change and reset, idle sessions,
the second factor for the secretariat and admins, the audit log and the security headers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from infobase.accounts.models import AuthEvent, AuthEventKind, Role, User
from infobase.core.middleware import LAST_ACTIVITY_KEY
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PASSWORD = "violet-harbour-lantern"
LOGIN = "/accounts/login/"


@pytest.fixture
def officer(egypt) -> User:  # type: ignore[no-untyped-def]
    return User.objects.create_user(
        "omar",
        password=PASSWORD,
        email="omar@example.org",
        role=Role.FOCAL_POINT,
        state=egypt,
    )


def sign_in(client: Client, username: str, password: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    return client.post(f"{LOGIN}?lang={lang}", {"username": username, "password": password})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# Throttling -----------------------------------------------------------------------------------


def test_sixth_wrong_password_locks_out_and_refuses_the_right_one(officer: User) -> None:
    client = Client()
    for _ in range(5):
        response = sign_in(client, "omar", "wrong-password-123")
        assert response.status_code == 200
        assert b"Please enter a correct username and password" in response.content

    response = sign_in(client, "omar", "wrong-password-123")
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content

    response = sign_in(client, "omar", PASSWORD)
    assert response.status_code == 429
    assert not is_signed_in(client)

    kinds = list(AuthEvent.objects.filter(username="omar").values_list("kind", flat=True))
    assert kinds.count(AuthEventKind.LOGIN_FAILED) >= 6
    assert AuthEventKind.LOCKED_OUT in kinds
    assert AuthEventKind.LOGIN not in kinds


def test_lockout_message_is_translated(officer: User) -> None:
    client = Client()
    for _ in range(6):
        response = sign_in(client, "omar", "wrong-password-123", lang="fr")
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()


def test_right_password_before_the_limit_signs_in(officer: User) -> None:
    client = Client()
    for _ in range(5):
        sign_in(client, "omar", "wrong-password-123")
    response = sign_in(client, "omar", PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(client)


# Password policy ------------------------------------------------------------------------------


def test_eleven_characters_are_refused_twelve_accepted() -> None:
    with pytest.raises(ValidationError):
        validate_password("kX9-vq2#Lmw")  # 11 characters
    validate_password("kX9-vq2#LmwZ")  # 12


def test_password_from_the_breached_list_is_refused() -> None:
    # "q1w2e3r4t5y6" is 12 characters long and in the shipped list of breached passwords.
    with pytest.raises(ValidationError, match="too common"):
        validate_password("q1w2e3r4t5y6")


# Password change and reset --------------------------------------------------------------------


def test_password_change_refuses_short_then_changes(officer: User) -> None:
    client = client_for(officer)
    url = reverse("password_change")
    short = {
        "old_password": PASSWORD,
        "new_password1": "kX9-vq2#Lmw",
        "new_password2": "kX9-vq2#Lmw",
    }
    response = client.post(url, short)
    assert response.status_code == 200
    assert b"at least 12 characters" in response.content

    new = "amber-glacier-meadow-77"
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    officer.refresh_from_db()
    assert officer.check_password(new)
    assert AuthEvent.objects.filter(user=officer, kind=AuthEventKind.PASSWORD_CHANGED).exists()


def test_a_password_reset_link_names_the_site_not_the_requests_host(officer: User) -> None:
    # Another allowed host (an internal name) or plain http behind a TLS proxy must not reach
    # the link a person is sent: it is on the configured site address, as every e-mail's.
    hosts = ["infobase.example.org", "internal.lan", "testserver"]
    with override_settings(SITE_URL="https://infobase.example.org", ALLOWED_HOSTS=hosts):
        Client().post(
            reverse("password_reset"), {"email": "omar@example.org"}, HTTP_HOST="internal.lan"
        )
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "https://infobase.example.org/accounts/password/reset/" in body
    assert "internal.lan" not in body


def test_password_reset_by_email_link(officer: User) -> None:
    client = Client()
    response = client.post(reverse("password_reset"), {"email": "omar@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["omar@example.org"]
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body)
    assert match, message.body

    response = client.get(match.group(1), follow=True)
    assert response.status_code == 200
    assert response.context["validlink"]
    set_password_url = response.redirect_chain[-1][0]

    new = "amber-glacier-meadow-77"
    response = client.post(set_password_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")

    fresh = Client()
    assert sign_in(fresh, "omar", new).status_code == 302
    assert is_signed_in(fresh)
    # The link works once.
    assert not client.get(match.group(1), follow=True).context["validlink"]
    kinds = set(AuthEvent.objects.values_list("kind", flat=True))
    assert {AuthEventKind.PASSWORD_RESET_REQUESTED, AuthEventKind.PASSWORD_RESET} <= kinds


def test_password_reset_for_unknown_address_sends_nothing_and_looks_the_same() -> None:
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_reset_mails_are_limited_per_address_without_saying_so(officer: User) -> None:
    client = Client()
    answers = [
        client.post(reverse("password_reset"), {"email": "omar@example.org"}) for _ in range(5)
    ]
    # Every request gets the same answer; only the first three send a mail.
    assert {a["Location"] for a in answers} == {reverse("password_reset_done")}
    assert len(mail.outbox) == 3
    logged = AuthEvent.objects.filter(kind="password_reset_requested", username="omar@example.org")
    assert logged.count() == 5
    assert logged.filter(detail__startswith="limit reached").count() == 2


# Idle sessions --------------------------------------------------------------------------------


def test_idle_session_expires(officer: User) -> None:
    client = client_for(officer)
    assert client.get(reverse("questionnaire_list")).status_code == 200
    session = client.session
    assert isinstance(session[LAST_ACTIVITY_KEY], int)
    session[LAST_ACTIVITY_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()

    response = client.get(reverse("questionnaire_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "expired=1" in response["Location"]
    assert not is_signed_in(client)
    assert AuthEvent.objects.filter(user=officer, kind=AuthEventKind.SESSION_EXPIRED).exists()
    page = client.get(response["Location"])
    assert b"period without activity" in page.content


def test_recent_session_is_kept(officer: User) -> None:
    client = client_for(officer)
    client.get(reverse("questionnaire_list"))
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT + 60
    session.save()
    assert client.get(reverse("questionnaire_list")).status_code == 200


def test_sessions_no_longer_last_two_weeks() -> None:
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert 0 < settings.SESSION_IDLE_TIMEOUT <= 30 * 60


# Second factor --------------------------------------------------------------------------------


@pytest.fixture
def admin_user(db) -> User:  # type: ignore[no-untyped-def]
    return User.objects.create_superuser("root", "root@example.org", PASSWORD)


@pytest.mark.parametrize("who", ["secretariat", "admin_user"])
def test_unverified_secretariat_and_admin_are_sent_to_the_second_factor(
    who: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    client = client_for(user, second_factor=False)
    for url in (reverse("admin:index"), reverse("need_register")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("otp_verify")), url
    # Verified, the same pages open.
    assert client_for(user).get(reverse("admin:index")).status_code == 200


def test_focal_point_needs_no_second_factor(officer: User) -> None:
    assert client_for(officer, second_factor=False).get(reverse("home")).status_code == 200


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def test_enrolment_on_first_sign_in_then_recovery_codes(secretariat: User) -> None:
    client = Client()
    secretariat.set_password(PASSWORD)
    secretariat.save()
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302

    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("otp_setup"))
    assert b"<svg" in response.content
    device = TOTPDevice.objects.get(user=secretariat, confirmed=False)
    secret = response.context["secret"].replace(" ", "")
    assert secret and secret in response.content.decode().replace(" ", "")

    response = client.post(reverse("otp_setup"), {"token": "000000"})
    assert b"not valid" in response.content
    assert client.get(reverse("admin:index")).status_code == 302

    device.refresh_from_db()
    device.throttle_reset()  # a failure slows the next attempt down; skip the wait
    response = client.post(
        reverse("otp_setup"), {"token": current_code(device), "next": reverse("admin:index")}
    )
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    assert client.get(reverse("admin:index")).status_code == 200
    assert AuthEvent.objects.filter(user=secretariat, kind=AuthEventKind.OTP_ENROLLED).exists()

    # A new sign-in asks for the code again; a recovery code works once.
    other = Client()
    sign_in(other, "alice", PASSWORD)
    response = other.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("otp_verify"))
    response = other.post(reverse("otp_verify"), {"token": "12345678"})
    assert b"not valid" in response.content
    for throttled in devices_for_user(secretariat):
        throttled.throttle_reset()
    response = other.post(
        reverse("otp_verify"), {"token": codes[0], "next": reverse("admin:index")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert other.get(reverse("admin:index")).status_code == 200

    third = Client()
    sign_in(third, "alice", PASSWORD)
    third.post(reverse("otp_verify"), {"token": codes[0]})
    assert third.get(reverse("admin:index")).status_code == 302
    kinds = set(AuthEvent.objects.filter(user=secretariat).values_list("kind", flat=True))
    assert {AuthEventKind.RECOVERY_CODE_USED, AuthEventKind.OTP_FAILED} <= kinds


def test_unverified_user_cannot_replace_an_enrolled_device(secretariat: User) -> None:
    TOTPDevice.objects.create(user=secretariat, name="phone", confirmed=True)
    client = client_for(secretariat, second_factor=False)
    response = client.get(reverse("otp_setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_verify"))


def test_next_is_not_an_open_redirect(secretariat: User) -> None:
    client = client_for(secretariat, second_factor=False)
    device = TOTPDevice.objects.create(user=secretariat, name="phone", confirmed=True)
    response = client.post(
        reverse("otp_verify"), {"token": current_code(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# Audit log ------------------------------------------------------------------------------------


def test_role_change_through_the_admin_is_logged_with_its_author(
    secretariat: User, officer: User
) -> None:
    client = client_for(secretariat)
    url = reverse("admin:accounts_user_change", args=[officer.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "username": "omar",
            "role": Role.SECRETARIAT,
            "state": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "last_login_0": "",
            "last_login_1": "",
            "is_staff": "on",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuthEvent.objects.filter(user=officer, kind=AuthEventKind.ROLE_CHANGED).latest("pk")
    assert event.actor == secretariat
    assert "role: focal_point -> secretariat" in event.detail
    assert "is_staff: False -> True" in event.detail
    assert event.ip_address == "127.0.0.1"


def test_group_change_is_logged(officer: User) -> None:
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="reviewers")
    officer.groups.add(group)
    assert AuthEvent.objects.filter(
        user=officer, kind=AuthEventKind.ROLE_CHANGED, detail__startswith="groups add"
    ).exists()


def test_audit_log_visible_to_secretariat_only(secretariat: User, officer: User) -> None:
    sign_in(Client(), "omar", "wrong-password-123")
    url = reverse("admin:accounts_authevent_changelist")
    response = client_for(secretariat).get(url)
    assert response.status_code == 200
    assert b"omar" in response.content
    assert client_for(officer).get(url).status_code in {302, 403}
    assert not secretariat.has_perm("accounts.delete_authevent")


# Headers --------------------------------------------------------------------------------------


def test_content_security_policy_has_no_unsafe_inline(officer: User) -> None:
    for client in (Client(), client_for(officer)):
        response = client.get(reverse("home"))
        policy = response["Content-Security-Policy"]
        directives = dict(
            (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
        )
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-inline'" not in directives["style-src"]
        assert directives["object-src"] == ["'none'"]
        assert b"<script>" not in response.content
        assert b"<style" not in response.content
        assert b' style="' not in response.content


PRODUCTION_ENV = {
    "DEBUG": "",
    "SECRET_KEY": "k3v8-production-secret-" + "x7Qp2mZ9rT4wY6uB1nC5" * 3,
    "ALLOWED_HOSTS": "infobase.example.org",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "CSRF_TRUSTED_ORIGINS": "https://infobase.example.org",
    "TRUSTED_PROXY_COUNT": "1",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def test_check_deploy_is_clean_with_the_documented_production_environment(
    tmp_path: Path,
) -> None:
    env = {**os.environ, **PRODUCTION_ENV, "INFOBASE_VAR_DIR": str(tmp_path)}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-m", "infobase", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    # Without the production variables the same check fails: the test is not vacuous.
    bare = {k: v for k, v in env.items() if k not in PRODUCTION_ENV or k == "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-m", "infobase", "check", "--deploy", "--fail-level", "WARNING"],
        env=bare,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_proxy_header_and_hsts_come_from_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, **PRODUCTION_ENV, "INFOBASE_VAR_DIR": str(tmp_path)}
    code = (
        "from django.conf import settings as s; import django; django.setup(); "
        "print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = subprocess.run(  # noqa: S603  (this interpreter, a fixed snippet)
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "infobase.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "31536000",
        "True",
        "True",
        "True",
    ]


INFOBASE = Path(__file__).resolve().parents[2] / "infobase"
# The report's own files (web page and print) are self-contained documents, served with a
# narrowly widened policy (reports.views._file_response); every screen is held to the strict one.
REPORT_DOCUMENTS = {
    "reports/templates/reports/standalone.html",
    "reports/templates/reports/print.html",
}


def test_no_template_carries_inline_script_style_or_handlers() -> None:
    offenders = []
    for path in sorted(INFOBASE.rglob("templates/**/*.html")):
        relative = path.relative_to(INFOBASE).as_posix()
        if relative in REPORT_DOCUMENTS:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"<style|\sstyle=|<script>|<script\s+(?![^>]*\bsrc=)|\son[a-z]+=", text):
            offenders.append(relative)
    assert offenders == []


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 0), (2.4, 0), (2.6, 5), (33.3, 35), (99, 100), (140, 100), ("", 0)]
)
def test_percentages_become_css_classes(value: object, expected: int) -> None:
    from infobase.core.templatetags.widths import bucket

    assert bucket(value) == expected
