"""`stormwatch user …` and `stormwatch token …`: accounts and API tokens from the command line."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.auth.models import ROLES, User
from stormwatch.auth.permissions import ACTIONS
from stormwatch.auth.service import (
    AuthError,
    add_user,
    create_token,
    find_workspace,
    list_members,
    remove_member,
    reset_password,
)
from stormwatch.i18n.refusal import Term, cli_error_line, cli_line
from stormwatch.store.db import Store

console = Console(stderr=True)
user_app = typer.Typer(help="Accounts of people who log in to the web app.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for other tools, one workspace each.", no_args_is_help=True)

DatabaseOption = Annotated[
    str | None, typer.Option(help="Database URL (default: STORMWATCH_DATABASE_URL or ./stormwatch.db).")
]
WorkspaceOption = Annotated[
    str, typer.Option("--workspace", "-w", help="Workspace name (as in the TOML file).")
]


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="The e-mail the person logs in with.")],
    workspace: WorkspaceOption,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")] = "analyst",
    name: Annotated[str | None, typer.Option(help="Name shown in the timeline.")] = None,
    language: Annotated[str, typer.Option(help="Interface language: en or pl.")] = "en",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Create a user with a role in a workspace (an existing user gets the role there too)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else ""
    store = Store.open(database)
    try:
        with store.session() as session:
            workspace_id = find_workspace(session, workspace).id
            if not password_stdin and _is_new(session, email):
                password = getpass.getpass(cli_line("password for %(email)s: ", email=email))
            add_user(
                session,
                email,
                password,
                workspace_id=workspace_id,
                role=role,
                display_name=name,
                locale=language,
                actor="cli",
            )
    except AuthError as error:
        console.print(cli_error_line(error))
        raise typer.Exit(1) from error
    finally:
        store.engine.dispose()
    console.print(
        cli_line("%(email)s is %(role)s in %(workspace)s", email=email, role=Term(role), workspace=workspace)
    )


@user_app.command("list")
def user_list(workspace: WorkspaceOption, database: DatabaseOption = None) -> None:
    """The workspace's accounts: e-mail, role, interface language, name (standard output)."""
    store = Store.open(database)
    try:
        with store.session() as session:
            members = list_members(session, find_workspace(session, workspace).id)
    except AuthError as error:
        console.print(cli_error_line(error))
        raise typer.Exit(1) from error
    finally:
        store.engine.dispose()
    if not members:
        console.print(
            cli_line(
                "no accounts in %(workspace)s yet: `stormwatch user add EMAIL -w %(quoted)s`",
                workspace=workspace,
                quoted=repr(workspace),
            )
        )
    for member in members:
        state = "" if member.active else "  (disabled)"
        print(f"{member.email}\t{member.role}\t{member.language}\t{member.display_name}{state}")


@user_app.command("remove")
def user_remove(
    email: Annotated[str, typer.Argument(help="The account's e-mail.")],
    workspace: WorkspaceOption,
    database: DatabaseOption = None,
) -> None:
    """Take an account out of a workspace and end its sessions there (its other workspaces stay)."""
    store = Store.open(database)
    try:
        with store.session() as session:
            remove_member(session, find_workspace(session, workspace).id, email, actor="cli")
    except AuthError as error:
        console.print(cli_error_line(error))
        raise typer.Exit(1) from error
    finally:
        store.engine.dispose()
    console.print(cli_line("%(email)s removed from %(workspace)s", email=email, workspace=workspace))


@user_app.command("reset-password")
def user_reset_password(
    email: Annotated[str, typer.Argument(help="The account's e-mail.")],
    workspace: WorkspaceOption,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the new password from standard input.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Set a new password (asked, or from standard input); every open session of the account ends."""
    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else getpass.getpass(cli_line("new password for %(email)s: ", email=email))
    )
    store = Store.open(database)
    try:
        with store.session() as session:
            reset_password(session, find_workspace(session, workspace).id, email, password, actor="cli")
    except AuthError as error:
        console.print(cli_error_line(error))
        raise typer.Exit(1) from error
    finally:
        store.engine.dispose()
    console.print(cli_line("new password set for %(email)s; its sessions were ended", email=email))


def _is_new(session: Session, email: str) -> bool:
    return session.scalar(select(User.id).where(User.email == email.strip().lower())) is None


@token_app.command("create")
def token_create(
    workspace: WorkspaceOption,
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'brandwatch export'.")],
    scope: Annotated[
        list[str], typer.Option("--scope", "-s", help=f"Repeat for each: {', '.join(ACTIONS)}.")
    ] = ["read"],  # noqa: B006 - typer needs a list default
    database: DatabaseOption = None,
) -> None:
    """Create an API token; it is printed once (standard output) and only its digest is kept."""
    store = Store.open(database)
    try:
        with store.session() as session:
            workspace_id = find_workspace(session, workspace).id
            secret, token = create_token(session, workspace_id, name, scope, actor="cli")
    except (AuthError, ValueError) as error:
        console.print(cli_error_line(error))
        raise typer.Exit(1) from error
    finally:
        store.engine.dispose()
    scopes = ", ".join(token.scopes)
    console.print(
        cli_line(
            "token %(prefix)s… for %(workspace)s with scopes %(scopes)s:",
            prefix=token.prefix,
            workspace=workspace,
            scopes=scopes,
        )
    )
    print(secret)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
