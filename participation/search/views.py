"""The search page."""
from flask import Blueprint, render_template, request

from participation.core.pagination import page_number
from participation.search import search as run_search

blueprint = Blueprint("search", __name__)


@blueprint.get("/search")
def search():
    query = request.args.get("q", "", type=str)
    results = run_search(query, page_number(request.args.get("page")))
    return render_template("search/results.html", results=results)
