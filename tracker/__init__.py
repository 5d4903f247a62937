"""Core of 督办看板: the plan, its status rules, the progress store and exports. No Streamlit here."""
