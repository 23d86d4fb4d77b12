from proposals.services.proposals import ProposalError


def run_for_form(form, action):
    """Run a service call for a bound form: its result, or None with every refusal reason added to the
    form as a non-field error (ProposalError carries them in Japanese)."""
    try:
        return action()
    except ProposalError as error:
        for problem in error.problems:
            form.add_error(None, problem)
        return None
