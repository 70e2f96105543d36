"""English and Spanish texts of the login screen and the account block (merged into ``i18n.STRINGS``)."""

STRINGS: dict[str, dict[str, str]] = {
    "auth.title": {"en": "cxmetrics", "es": "cxmetrics"},
    "auth.intro": {
        "en": "Customer-experience figures of the company. Log in with your company account: "
        "your role decides what you see.",
        "es": "Indicadores de experiencia de cliente de la empresa. Inicia sesión con tu cuenta de la "
        "empresa: tu rol decide lo que ves.",
    },
    "auth.login": {"en": "Log in", "es": "Iniciar sesión"},
    "auth.login_with": {"en": "Log in with {provider}", "es": "Iniciar sesión con {provider}"},
    "auth.logout": {"en": "Log out", "es": "Cerrar sesión"},
    "auth.signed_in": {
        "en": "Signed in as **{name}** ({email}) with the role **{role}**.",
        "es": "Sesión iniciada como **{name}** ({email}) con el rol **{role}**.",
    },
    "auth.no_provider": {
        "en": "The login is configured but names no identity provider: the [auth] section of the "
        "secrets needs client_id, client_secret and server_metadata_url. Tell an administrator.",
        "es": "El inicio de sesión está configurado pero no indica ningún proveedor de identidad: la "
        "sección [auth] de los secretos necesita client_id, client_secret y server_metadata_url. "
        "Avisa a un administrador.",
    },
    "auth.login_failed": {
        "en": "The login could not start (tell an administrator): {error}",
        "es": "No se pudo iniciar la sesión (avisa a un administrador): {error}",
    },
    "auth.refused.unknown": {
        "en": "{email} has no role in cxmetrics, so no data is shown. Ask an administrator to add "
        "you to the users file, or log out and use another account.",
        "es": "{email} no tiene ningún rol en cxmetrics, así que no se muestran datos. Pide a un "
        "administrador que te añada al fichero de usuarios, o cierra la sesión y usa otra cuenta.",
    },
    "auth.refused.unverified": {
        "en": "Your identity provider says {email} is not a verified address, so cxmetrics cannot "
        "give it a role. Verify the address with the provider, or ask an administrator.",
        "es": "Tu proveedor de identidad indica que {email} no es una dirección verificada, así que "
        "cxmetrics no puede asignarle un rol. Verifícala con el proveedor o consulta a un administrador.",
    },
    "auth.refused.no_email": {
        "en": "Your identity provider sent no email address, so cxmetrics cannot find your role. "
        "Ask an administrator (the login needs the 'email' scope).",
        "es": "Tu proveedor de identidad no envió ninguna dirección de correo, así que cxmetrics no "
        "puede encontrar tu rol. Consulta a un administrador (el inicio de sesión necesita el ámbito "
        "'email').",
    },
    "auth.config_error": {
        "en": "The login is configured, but the users file that gives each person a role has a "
        "problem, so no data is shown. Tell an administrator:",
        "es": "El inicio de sesión está configurado, pero el fichero de usuarios que asigna un rol a "
        "cada persona tiene un problema, así que no se muestran datos. Avisa a un administrador:",
    },
}
